# With HABOP_STATIC_LIBS, a shipped program needs nothing from the system but glibc (and its loader), so the image
# and any Debian or non-Debian host run it as built. Fails naming each other shared library the program needs.
# With EXPECT_RELR, its relative relocations are packed (DT_RELR), as habop_static_program asks of the linker;
# with EXPECT_NO_LIBM, it does not load libm.so either.
#   cmake -DPROGRAM=<path> -DREADELF=<readelf> [-DEXPECT_RELR=ON] [-DEXPECT_NO_LIBM=ON] -P static_program.cmake
execute_process(COMMAND ${READELF} --dynamic ${PROGRAM} OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} --dynamic ${PROGRAM} failed (${rc})")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]+\\]" needed_lines "${dynamic}")
set(needed "")
foreach(line IN LISTS needed_lines)
  string(REGEX REPLACE ".*\\[([^]]+)\\]" "\\1" library "${line}")
  list(APPEND needed ${library})
endforeach()
if(NOT needed)
  message(FATAL_ERROR "${PROGRAM}: no NEEDED entries found in readelf's output; is it a dynamic executable?")
endif()
set(unexpected ${needed})
list(FILTER unexpected EXCLUDE REGEX "^(libc\\.so\\.6|libm\\.so\\.6|ld-linux-x86-64\\.so\\.2|ld-linux-aarch64\\.so\\.1)$")
if(unexpected)
  message(FATAL_ERROR "${PROGRAM} needs shared libraries besides glibc: ${unexpected} (all: ${needed}). "
                      "HABOP_STATIC_LIBS should have linked them statically: see cmake/HabopStaticLibs.cmake.")
endif()
if(EXPECT_RELR AND NOT dynamic MATCHES "\\(RELR\\)")
  message(FATAL_ERROR "${PROGRAM} has no DT_RELR entry: its relative relocations are not packed, which costs "
                      "~0.5 MB of resident memory; see habop_static_program in cmake/HabopStaticLibs.cmake.")
endif()
list(FIND needed "libm.so.6" libm_index)
if(EXPECT_NO_LIBM AND NOT libm_index EQUAL -1)
  message(FATAL_ERROR "${PROGRAM} needs libm.so.6, which costs ~0.45 MB of resident memory for functions it does "
                      "not call: see the libm note in cmake/HabopStaticLibs.cmake (a new libm call? a link order?)")
endif()
message(STATUS "${PROGRAM} needs only: ${needed}")
