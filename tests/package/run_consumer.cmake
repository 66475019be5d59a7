# cmake -DBUILD_DIR=... -DCONSUMER=... -DWORK=... -DMODE=find_package|add_subdirectory
#       -DSOURCE_DIR=... -P run_consumer.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(args -S ${CONSUMER} -B ${WORK}/build -DCMAKE_BUILD_TYPE=Release -DAZCOPY_RUNNER_CONSUME=${MODE})
if(MODE STREQUAL "find_package")
  # Install the already built library into a private prefix, then find it there.
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix)
  foreach(f include/azcopy_runner/azcopy_runner.hpp lib/libazcopy_runner.a
            lib/cmake/azcopy_runner/azcopy_runnerConfig.cmake
            lib/cmake/azcopy_runner/azcopy_runnerConfigVersion.cmake
            lib/cmake/azcopy_runner/azcopy_runnerTargets.cmake)
    if(NOT EXISTS ${WORK}/prefix/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  list(APPEND args -DCMAKE_PREFIX_PATH=${WORK}/prefix)
else()
  list(APPEND args -DAZCOPY_RUNNER_SOURCE_DIR=${SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} ${args})
run(${CMAKE_COMMAND} --build ${WORK}/build -j2)
run(${WORK}/build/consumer)
