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

set(args -S ${CONSUMER} -B ${WORK}/build -G Ninja -DCMAKE_BUILD_TYPE=Release
  -DAZCOPY_RUNNER_CONSUME=${MODE} -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
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
  # The package asks only for what a consumer must link: Boost.Process and nlohmann/json are
  # header-only and private to the library's sources.
  file(READ ${WORK}/prefix/lib/cmake/azcopy_runner/azcopy_runnerConfig.cmake config)
  file(READ ${WORK}/prefix/lib/cmake/azcopy_runner/azcopy_runnerTargets.cmake targets)
  foreach(private Boost nlohmann_json)
    if(config MATCHES "find_dependency\\(${private}[ )]" OR targets MATCHES "${private}::")
      message(FATAL_ERROR "the installed package asks for ${private}, a private dependency")
    endif()
  endforeach()
  # A machine view without Boost's and nlohmann's CMake files: the consumer must configure,
  # build and link all the same (find_package of either would fail here).
  list(APPEND args -DCMAKE_PREFIX_PATH=${WORK}/prefix
    -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
else()
  # Vendored with the project's own warnings as errors on: they apply to its targets only.
  list(APPEND args -DAZCOPY_RUNNER_SOURCE_DIR=${SOURCE_DIR} -DAZCOPY_RUNNER_WERROR=ON)
endif()
run(${CMAKE_COMMAND} ${args})
run(${CMAKE_COMMAND} --build ${WORK}/build -j2)
run(${WORK}/build/consumer)

# No warning flag of the library reaches the consumer's own compile command; in the vendored
# build the library's own commands carry them (so this check can see them when they are there).
file(READ ${WORK}/build/compile_commands.json commands)
string(JSON count LENGTH "${commands}")
math(EXPR last "${count} - 1")
set(consumer_command "")
set(library_werror FALSE)
foreach(i RANGE ${last})
  string(JSON file GET "${commands}" ${i} file)
  string(JSON command GET "${commands}" ${i} command)
  if(file MATCHES "/consumer/main\\.cpp$")
    set(consumer_command "${command}")
  elseif(file MATCHES "/src/api/runner\\.cpp$" AND command MATCHES " -Werror( |$)")
    set(library_werror TRUE)
  endif()
endforeach()
if(consumer_command STREQUAL "")
  message(FATAL_ERROR "no compile command for the consumer's main.cpp in compile_commands.json")
endif()
foreach(flag -Werror -Wall -Wextra -Wpedantic -Wconversion -Wshadow -fsanitize)
  string(FIND "${consumer_command}" " ${flag}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "the library's ${flag} reached the consumer: ${consumer_command}")
  endif()
endforeach()
if(MODE STREQUAL "add_subdirectory" AND NOT library_werror)
  message(FATAL_ERROR "the vendored library was not built with -Werror (AZCOPY_RUNNER_WERROR=ON)")
endif()
