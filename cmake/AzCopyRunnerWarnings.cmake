# Warnings (as errors when AZCOPY_RUNNER_WERROR) and sanitizers for this project's own targets.
include(GNUInstallDirs)

function(azcopy_runner_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(AZCOPY_RUNNER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(AZCOPY_RUNNER_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${AZCOPY_RUNNER_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${AZCOPY_RUNNER_SANITIZE})
    if(AZCOPY_RUNNER_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # g++ warns that TSan does not model std::atomic_thread_fence (used by Boost.Asio).
      target_compile_options(${target} PRIVATE -Wno-tsan)
    endif()
  endif()
endfunction()
