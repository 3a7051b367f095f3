# `cmake --install build --prefix P`: headers under P/include/sluice/, the libraries, the sluice
# program and the CMake package (P/lib/cmake/sluice) that find_package(sluice) reads.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SLUICE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)
set(SLUICE_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/sluice)

install(FILES ${PROJECT_SOURCE_DIR}/sluice.h DESTINATION ${SLUICE_INSTALL_INCLUDEDIR})
foreach(dir core ops runtime)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${SLUICE_INSTALL_INCLUDEDIR}/${dir}
          FILES_MATCHING PATTERN "*.h")
endforeach()
install(DIRECTORY ${PROJECT_BINARY_DIR}/proto/ DESTINATION ${SLUICE_INSTALL_INCLUDEDIR}/proto
        FILES_MATCHING PATTERN "*.pb.h")

install(TARGETS ${SLUICE_LIBRARIES}
        EXPORT sluice-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${SLUICE_INSTALL_INCLUDEDIR})
install(TARGETS sluice_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT sluice-targets NAMESPACE sluice:: DESTINATION ${SLUICE_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sluice-config.cmake.in
  ${PROJECT_BINARY_DIR}/sluice-config.cmake INSTALL_DESTINATION ${SLUICE_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sluice-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sluice-config.cmake ${PROJECT_BINARY_DIR}/sluice-config-version.cmake
        ${PROJECT_SOURCE_DIR}/third_party/Finddnnl.cmake
        DESTINATION ${SLUICE_INSTALL_CMAKEDIR})
