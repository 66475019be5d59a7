# Install rules and the CMake package (azcopy_runnerConfig.cmake + version file).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(AZCOPY_RUNNER_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/azcopy_runner")

install(TARGETS azcopy_runner
  EXPORT azcopy_runnerTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/azcopy_runner DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET azcopy-runner)
  install(TARGETS azcopy-runner RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT azcopy_runnerTargets
  NAMESPACE azcopy_runner::
  DESTINATION ${AZCOPY_RUNNER_CMAKE_DIR})

configure_package_config_file(
  "${CMAKE_CURRENT_SOURCE_DIR}/cmake/azcopy_runnerConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/azcopy_runnerConfig.cmake"
  INSTALL_DESTINATION ${AZCOPY_RUNNER_CMAKE_DIR})
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/azcopy_runnerConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/azcopy_runnerConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/azcopy_runnerConfigVersion.cmake"
  DESTINATION ${AZCOPY_RUNNER_CMAKE_DIR})
install(FILES LICENSE README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/azcopy_runner)
