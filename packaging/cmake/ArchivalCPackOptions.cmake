# CPACK_PROJECT_CONFIG_FILE: read by cpack for each generator, after CPackConfig.cmake.
# ARCHIVAL_DEB_COMPRESSION in cpack's environment overrides the .deb compression for one run,
# e.g. `ARCHIVAL_DEB_COMPRESSION=xz cpack` for the smallest package.
if(DEFINED ENV{ARCHIVAL_DEB_COMPRESSION} AND NOT "$ENV{ARCHIVAL_DEB_COMPRESSION}" STREQUAL "")
    set(CPACK_DEBIAN_COMPRESSION_TYPE "$ENV{ARCHIVAL_DEB_COMPRESSION}")
endif()
