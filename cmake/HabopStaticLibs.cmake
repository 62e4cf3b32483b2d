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

# Each function in its own section (habop's code; libstdc++ comes so): --gc-sections drops the unused ones, and a
# cold-text script (below) can set apart the ones that never run, instead of whole object files.
if(HABOP_STATIC_LIBS)
  add_compile_options(-ffunction-sections)
endif()

# glibc linked statically too (-static-pie: still position-independent, so still randomised): a shared libc.so.6
# and its loader cost ~1.7 MB of resident memory, mapped around every function called; a static link takes ~1 MB
# of glibc's objects, of which the code that runs can be placed with the rest. Name resolution keeps working:
# glibc's static getaddrinfo has the `files` and `dns` sources of /etc/nsswitch.conf built in (other NSS modules,
# which it would have to load, are skipped).
check_linker_flag(CXX "-static-pie" HABOP_LINKER_TAKES_STATIC_PIE)

# habop_static_program(target [COLD_TEXT script] [STATIC_GLIBC]): a shipped program also carries libstdc++ and
# libgcc (with STATIC_GLIBC, glibc too), and drops the sections of the archives that nothing references. With
# COLD_TEXT, the code listed in `script` (written by cmake/cold_text.py from profiles: the code that never ran) is
# placed apart from the code that runs, so that it is never resident; the link map is kept as
# <binary dir>/<target>.map, where the test shipping_cold_text_<target> checks that the list still names the
# program's code. Test programs keep the shared C++ runtime (smaller, faster to link).
function(habop_static_program target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STATIC_GLIBC" "COLD_TEXT" "")
  if(HABOP_STATIC_LIBS)
    if(arg_STATIC_GLIBC AND HABOP_LINKER_TAKES_STATIC_PIE)
      # Not with -static-libstdc++, whose -Bdynamic after libstdc++ would make the linker look for libc.so again.
      target_link_options(${target} PRIVATE -static-pie -Wl,--gc-sections)
    else()
      target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--gc-sections)
    endif()
    if(arg_COLD_TEXT)
      # GNU ld and lld take a script that INSERTs a section into their default layout; gold does not.
      check_linker_flag(CXX "LINKER:-T,${arg_COLD_TEXT}" HABOP_LINKER_TAKES_COLD_TEXT)
    endif()
    if(arg_COLD_TEXT AND HABOP_LINKER_TAKES_COLD_TEXT)
      set(map ${CMAKE_CURRENT_BINARY_DIR}/${target}.map)
      target_link_options(${target} PRIVATE "LINKER:-T,${arg_COLD_TEXT}" "LINKER:-Map=${map}")
      set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${arg_COLD_TEXT})
      set_target_properties(${target} PROPERTIES HABOP_COLD_TEXT ${arg_COLD_TEXT} HABOP_LINK_MAP ${map})
    endif()
  endif()
  if(HABOP_LINKER_PACKS_RELATIVE_RELOCS)
    target_link_options(${target} PRIVATE -Wl,-z,pack-relative-relocs)
  endif()
endfunction()
