# Installs the habop build tree into a temporary prefix, then configures, builds and tests examples/embedding
# against it with find_package(habop): what a user embedding habop does. Run by CTest (label `consumer`).
#   cmake -DBUILD_DIR=<habop build> -DSOURCE_DIR=<habop source> -DWORK_DIR=<scratch> -P find_package_consumer.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embedding -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
# The installed package exports habop::fake_apiserver_core and habop::fake_apiserver: both fake-apiserver tests of
# the example must have been built (a package without them would silently skip them).
foreach(test greeting_test greeting_server_test)
  if(NOT EXISTS ${WORK_DIR}/build/${test})
    message(FATAL_ERROR "the example's ${test} was not built: the installed habop package lacks the fake-apiserver "
                        "targets (habop::fake_apiserver_core, habop::fake_apiserver) or Catch2 2.13 is not installed")
  endif()
endforeach()
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/build --output-on-failure --no-tests=error)
