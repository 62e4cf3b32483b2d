# HABOP_STATIC_LIBS: the find modules of Boost, OpenSSL and zlib pick their static archives (variables set before
# find_package); this file does the same for yaml-cpp and links the programs' C++ runtime statically.

# yaml-cpp's CMake package describes its shared library only; its imported target is pointed at the static archive
# that the same Debian package (libyaml-cpp-dev) installs next to it.
if(HABOP_STATIC_LIBS)
  find_library(HABOP_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a)
  if(NOT HABOP_YAML_CPP_ARCHIVE)
    message(FATAL_ERROR "HABOP_STATIC_LIBS: libyaml-cpp.a not found; install libyaml-cpp-dev, or configure with "
                        "-DHABOP_STATIC_LIBS=OFF to link the shared yaml-cpp")
  endif()
  get_target_property(habop_yaml_cpp_configs yaml-cpp IMPORTED_CONFIGURATIONS)
  foreach(config IN LISTS habop_yaml_cpp_configs)
    set_target_properties(yaml-cpp PROPERTIES IMPORTED_LOCATION_${config} ${HABOP_YAML_CPP_ARCHIVE})
  endforeach()
  set_target_properties(yaml-cpp PROPERTIES IMPORTED_LOCATION ${HABOP_YAML_CPP_ARCHIVE})
endif()

# Packed relative relocations (DT_RELR, binutils 2.38+, glibc 2.36+): a position-independent program's ~24,000
# R_X86_64_RELATIVE entries (24 bytes each, mostly OpenSSL's dispatch tables) become ~7 KB that the loader reads at
# start, instead of 0.57 MB that stay resident: −0.85 MB RSS (bench/operator/RESULTS.md, seventh session).
include(CheckLinkerFlag)
check_linker_flag(CXX "-Wl,-z,pack-relative-relocs" HABOP_LINKER_PACKS_RELATIVE_RELOCS)

# habop_static_program(target): a shipped program also carries libstdc++ and libgcc, and drops the sections of
# the archives that nothing references. Test programs keep the shared C++ runtime (smaller, faster to link).
function(habop_static_program target)
  if(HABOP_STATIC_LIBS)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--gc-sections)
  endif()
  if(HABOP_LINKER_PACKS_RELATIVE_RELOCS)
    target_link_options(${target} PRIVATE -Wl,-z,pack-relative-relocs)
  endif()
endfunction()
