# With HABOP_STATIC_LIBS, a shipped program needs nothing from the system but glibc (and its loader), so the image
# and any Debian or non-Debian host run it as built. Fails naming each other shared library the program needs.
# With EXPECT_FULLY_STATIC, it needs no shared library at all, glibc included (a static PIE). With EXPECT_RELR, its
# relative relocations are packed (DT_RELR), as habop_static_program asks of the linker.
#   cmake -DPROGRAM=<path> -DREADELF=<readelf> [-DEXPECT_FULLY_STATIC=ON] [-DEXPECT_RELR=ON] -P static_program.cmake
execute_process(COMMAND ${READELF} --dynamic --program-headers ${PROGRAM} OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} --dynamic --program-headers ${PROGRAM} failed (${rc})")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]+\\]" needed_lines "${dynamic}")
set(needed "")
foreach(line IN LISTS needed_lines)
  string(REGEX REPLACE ".*\\[([^]]+)\\]" "\\1" library "${line}")
  list(APPEND needed ${library})
endforeach()
if(EXPECT_FULLY_STATIC)
  if(needed OR dynamic MATCHES "INTERP")
    message(FATAL_ERROR "${PROGRAM} is not a static PIE (it needs: ${needed}): STATIC_GLIBC should have linked "
                        "glibc statically, which keeps ~1 MB of resident memory out; see cmake/HabopStaticLibs.cmake.")
  endif()
elseif(NOT needed)
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
if(needed)
  message(STATUS "${PROGRAM} needs only: ${needed}")
else()
  message(STATUS "${PROGRAM} needs no shared library")
endif()
