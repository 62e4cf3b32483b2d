# Builds and runs one consumer project. MODE=find_package first installs habop (library only) into a fresh prefix.
# Usage: cmake -DMODE=find_package|add_subdirectory -DHABOP_SOURCE_DIR=... -DWORK_DIR=... -P run_consumer.cmake
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

set(consumer_dir ${CMAKE_CURRENT_LIST_DIR}/${MODE})
set(work ${WORK_DIR}/${MODE})
file(REMOVE_RECURSE ${work})
# RelWithDebInfo as the main build: g++ 12 at -O3 (Release) reports a false -Wrestrict in std::string code.
set(generator -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)

if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} -S ${HABOP_SOURCE_DIR} -B ${work}/habop-build ${generator} -DHABOP_BUILD_SHELL=OFF
      -DHABOP_BUILD_TESTS=OFF -DHABOP_BUILD_BENCHMARKS=OFF -DHABOP_INSTALL=ON)
  run(${CMAKE_COMMAND} --build ${work}/habop-build -j2)
  run(${CMAKE_COMMAND} --install ${work}/habop-build --prefix ${work}/prefix)
  run(${CMAKE_COMMAND} -S ${consumer_dir} -B ${work}/consumer-build ${generator} -DCMAKE_PREFIX_PATH=${work}/prefix)
elseif(MODE STREQUAL "add_subdirectory")
  run(${CMAKE_COMMAND} -S ${consumer_dir} -B ${work}/consumer-build ${generator} -DHABOP_SOURCE_DIR=${HABOP_SOURCE_DIR})
else()
  message(FATAL_ERROR "MODE must be find_package or add_subdirectory")
endif()
run(${CMAKE_COMMAND} --build ${work}/consumer-build -j2)
run(${work}/consumer-build/consumer)
message(STATUS "${MODE} consumer built and ran")
