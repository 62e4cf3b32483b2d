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
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/build --output-on-failure)
# Without habop::fake_apiserver_core in the installed package the example builds but registers no test; say so.
if(NOT EXISTS ${WORK_DIR}/build/greeting_test)
  message(WARNING "the installed habop package has no habop::fake_apiserver_core: only the library part was built")
endif()
