# Fails when any C++ source under ROOT uses IO, threads, clocks, randomness, the environment or printing:
# libhabop is a pure core (DESIGN §1); the offline CLI that reads files and prints lives in the top-level cli/.
# Usage: cmake -DROOT=<dir> -P check_purity.cmake
if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<libhabop dir>")
endif()
get_filename_component(ROOT "${ROOT}" ABSOLUTE)

# Each entry: a regex on the code (line comments removed) and what it means.
set(forbidden
  "#[ \t]*include[ \t]*<boost/asio"          "Asio (sockets, timers)"
  "#[ \t]*include[ \t]*<boost/beast"         "Beast (HTTP IO)"
  "#[ \t]*include[ \t]*<openssl/"            "OpenSSL"
  "#[ \t]*include[ \t]*<(thread|mutex|future|condition_variable|stop_token|semaphore)>" "threads"
  "std::(thread|jthread|async)[^a-z_]"       "threads"
  "pthread_"                                 "threads"
  "#[ \t]*include[ \t]*<(fstream|iostream|filesystem)>" "files or printing"
  "std::(cout|cerr|clog|ifstream|ofstream|fstream)[^a-z_]" "files or printing"
  "[^a-z_sn]printf[ \t]*\\("                 "printing"
  "[^a-z_]puts[ \t]*\\("                     "printing"
  "fopen[ \t]*\\("                           "files"
  "#[ \t]*include[ \t]*<random>"             "randomness"
  "[^a-z_](rand|srand|random_device)[ \t]*[(;{]" "randomness"
  "(system_clock|steady_clock|high_resolution_clock|utc_clock|file_clock)" "clocks"
  "(clock_gettime|gettimeofday|[^a-z_]time[ \t]*\\([ \t]*(nullptr|NULL|0)[ \t]*\\))" "clocks"
  "[^a-z_](secure_)?getenv[ \t]*\\("         "the environment"
)

file(GLOB_RECURSE sources ${ROOT}/*.hpp ${ROOT}/*.h ${ROOT}/*.ipp ${ROOT}/*.cpp ${ROOT}/*.cc)
list(LENGTH forbidden n)
math(EXPR last "${n} - 1")
set(violations 0)
foreach(file IN LISTS sources)
  file(READ ${file} text)
  string(REGEX REPLACE "//[^\n]*" "" code "${text}")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET forbidden ${i} pattern)
    list(GET forbidden ${j} what)
    string(REGEX MATCH "${pattern}" hit "${code}")
    if(hit)
      file(RELATIVE_PATH rel ${ROOT} ${file})
      message("${rel}: ${what}: `${hit}`")
      math(EXPR violations "${violations} + 1")
    endif()
  endforeach()
endforeach()

list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "no sources found under ${ROOT}")
endif()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} purity violation(s) in ${ROOT}")
endif()
message(STATUS "${count} files under ${ROOT} are pure")
