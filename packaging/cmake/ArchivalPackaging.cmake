# Installation layout and the Debian package (CPack DEB) of archival-studio.
#
#   cmake --build build && (cd build && cpack)    ->  build/archival-studio_<version>_amd64.deb
#
# Layout (prefix /usr in the package):
#   bin/archival-studio                           the program, RUNPATH $ORIGIN/../lib/archival-studio
#   lib/archival-studio/                          the libtorch it was linked with (private copy)
#   share/applications, share/metainfo, share/icons/hicolor, share/man/man1
#   share/archival-studio/translations/*.qm       compiled translations, when the build makes any
#   lib/systemd/system, lib/systemd/user          units for `archival-studio serve`
#   lib/sysusers.d/archival-studio.conf           the system unit's dedicated user
#
# libtorch: the build links the libtorch of PyPI's torch wheel, which is not a Debian package.
# The package therefore carries it: every shared library the program needs from the torch
# wheel and its nvidia-* companion wheels (found with file(GET_RUNTIME_DEPENDENCIES), so the set
# follows whatever torch is linked), plus the libraries libtorch and cuDNN dlopen on a GPU
# (ARCHIVAL_PACKAGE_CUDA_DLOPENED). They all go into one private folder: the wheels' own
# RPATH/RUNPATH entries contain $ORIGIN, so they find each other there. dpkg-shlibdeps computes
# the Debian dependencies of everything, the carried libraries included; the carried ones
# themselves resolve inside the package and add no dependency.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(ARCHIVAL_APP_ID "org.archivalstudio.ArchivalStudio" CACHE INTERNAL
    "Desktop/AppStream id (desktop file, metainfo, icon name)")
set(ARCHIVAL_PRIVATE_LIBDIR "lib/archival-studio")
set(ARCHIVAL_PACKAGING_DIR "${PROJECT_SOURCE_DIR}/packaging")
set(ARCHIVAL_ICON_SIZES 16 22 24 32 48 64 128 256 512)

set(ARCHIVAL_PACKAGE_MAINTAINER "Archival Studio maintainers <maintainers@archivalstudio.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(ARCHIVAL_DEB_COMPRESSION "zstd" CACHE STRING
    "Compression of the .deb (zstd: fast, dpkg >= 1.21.18; xz: smaller and much slower)")
option(ARCHIVAL_PACKAGE_TORCH "Carry libtorch's shared libraries in the package" ON)
option(ARCHIVAL_PACKAGE_CUDA_DLOPENED
    "Also carry the CUDA libraries libtorch/cuDNN load at run time on a GPU (cuDNN engines, NVRTC)" ON)

# ---- the program -----------------------------------------------------------------------------
set_target_properties(archival-studio PROPERTIES
    INSTALL_RPATH "\$ORIGIN/../${ARCHIVAL_PRIVATE_LIBDIR}")

# ---- libtorch carried in the package ---------------------------------------------------------
if(ARCHIVAL_PACKAGE_TORCH)
    get_target_property(_archival_c10 c10 IMPORTED_LOCATION)
    if(NOT _archival_c10)
        get_target_property(_archival_c10 c10 IMPORTED_LOCATION_RELEASE)
    endif()
    get_filename_component(ARCHIVAL_TORCH_LIBDIR "${_archival_c10}" DIRECTORY)
    get_filename_component(ARCHIVAL_TORCH_LIBDIR "${ARCHIVAL_TORCH_LIBDIR}" REALPATH)
    # The wheels' root: site-packages (torch/lib/../..), where the nvidia/* wheels live too.
    get_filename_component(ARCHIVAL_TORCH_WHEELS_ROOT "${ARCHIVAL_TORCH_LIBDIR}/../.." REALPATH)
    set(_archival_dlopened "")
    if(ARCHIVAL_PACKAGE_CUDA_DLOPENED)
        # cuDNN's front library loads its sub-libraries; libtorch_cuda (jiterator) and
        # cuDNN's runtime-compiled engines load NVRTC, which loads its builtins.
        # (libtorch_cuda_linalg/cuSOLVER are left out: the engine uses no linear algebra.)
        file(GLOB _archival_dlopened
            "${ARCHIVAL_TORCH_WHEELS_ROOT}/nvidia/cudnn/lib/libcudnn_*.so.*"
            "${ARCHIVAL_TORCH_WHEELS_ROOT}/nvidia/cuda_nvrtc/lib/libnvrtc.so.*"
            "${ARCHIVAL_TORCH_WHEELS_ROOT}/nvidia/cuda_nvrtc/lib/libnvrtc-builtins.so.*")
    endif()
    install(CODE "
        set(ARCHIVAL_BUNDLE_EXECUTABLE \"$<TARGET_FILE:archival-studio>\")
        set(ARCHIVAL_BUNDLE_EXTRA_LIBRARIES \"${_archival_dlopened}\")
        set(ARCHIVAL_BUNDLE_FROM \"${ARCHIVAL_TORCH_WHEELS_ROOT}\")
        set(ARCHIVAL_BUNDLE_DESTINATION \"${ARCHIVAL_PRIVATE_LIBDIR}\")"
        COMPONENT Runtime)
    install(SCRIPT "${ARCHIVAL_PACKAGING_DIR}/cmake/ArchivalBundleTorch.cmake" COMPONENT Runtime)
    # The licences of the carried wheels (torch, nvidia-*), as their dist-info holds them.
    file(GLOB _archival_wheel_infos LIST_DIRECTORIES true
        "${ARCHIVAL_TORCH_WHEELS_ROOT}/torch-*.dist-info"
        "${ARCHIVAL_TORCH_WHEELS_ROOT}/nvidia_*.dist-info")
    foreach(info IN LISTS _archival_wheel_infos)
        get_filename_component(wheel "${info}" NAME)
        string(REGEX REPLACE "\\.dist-info$" "" wheel "${wheel}")
        file(GLOB_RECURSE licences "${info}/LICENSE*" "${info}/License*" "${info}/NOTICE*")
        foreach(licence IN LISTS licences)
            install(FILES "${licence}"
                    DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/archival-studio/third-party/${wheel}" COMPONENT Runtime)
        endforeach()
    endforeach()
endif()
install(FILES "${ARCHIVAL_PACKAGING_DIR}/debian/copyright" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/archival-studio")

# ---- desktop integration ---------------------------------------------------------------------
install(FILES "${ARCHIVAL_PACKAGING_DIR}/desktop/${ARCHIVAL_APP_ID}.desktop"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
install(FILES "${ARCHIVAL_PACKAGING_DIR}/desktop/${ARCHIVAL_APP_ID}.metainfo.xml"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
install(FILES "${PROJECT_SOURCE_DIR}/resources/icons/archival-studio.svg"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps"
        RENAME "${ARCHIVAL_APP_ID}.svg")

# PNG sizes are rendered from the SVG at build time (rsvg-convert, package librsvg2-bin).
find_program(ARCHIVAL_RSVG_CONVERT rsvg-convert)
set(_archival_pngs "")
if(ARCHIVAL_RSVG_CONVERT)
    foreach(size IN LISTS ARCHIVAL_ICON_SIZES)
        set(png "${CMAKE_BINARY_DIR}/icons/${size}x${size}/${ARCHIVAL_APP_ID}.png")
        add_custom_command(OUTPUT "${png}"
            COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_BINARY_DIR}/icons/${size}x${size}"
            COMMAND "${ARCHIVAL_RSVG_CONVERT}" -w ${size} -h ${size}
                    "${PROJECT_SOURCE_DIR}/resources/icons/archival-studio.svg" -o "${png}"
            DEPENDS "${PROJECT_SOURCE_DIR}/resources/icons/archival-studio.svg"
            COMMENT "Rendering the ${size}x${size} application icon" VERBATIM)
        list(APPEND _archival_pngs "${png}")
        install(FILES "${png}" DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps")
    endforeach()
else()
    message(WARNING "rsvg-convert not found (package librsvg2-bin): no PNG icons in the package")
endif()

# The man page, compressed as Debian wants it (gzip -9n: no name, no time stamp).
find_program(ARCHIVAL_GZIP gzip REQUIRED)
set(_archival_man "${CMAKE_BINARY_DIR}/man/archival-studio.1.gz")
add_custom_command(OUTPUT "${_archival_man}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_BINARY_DIR}/man"
    COMMAND sh -c "\"${ARCHIVAL_GZIP}\" -9n -c \"$1\" > \"$2\"" sh
            "${ARCHIVAL_PACKAGING_DIR}/man/archival-studio.1" "${_archival_man}"
    DEPENDS "${ARCHIVAL_PACKAGING_DIR}/man/archival-studio.1"
    COMMENT "Compressing the man page" VERBATIM)
install(FILES "${_archival_man}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

add_custom_target(archival_package_data ALL DEPENDS ${_archival_pngs} "${_archival_man}")

# ---- headless host: systemd units and the service user ---------------------------------------
install(FILES "${ARCHIVAL_PACKAGING_DIR}/systemd/system/archival-studio.service"
              "${ARCHIVAL_PACKAGING_DIR}/systemd/system/archival-studio-worker@.service"
        DESTINATION "lib/systemd/system")
install(FILES "${ARCHIVAL_PACKAGING_DIR}/systemd/user/archival-studio.service"
        DESTINATION "lib/systemd/user")
install(FILES "${ARCHIVAL_PACKAGING_DIR}/systemd/archival-studio.sysusers"
        DESTINATION "lib/sysusers.d" RENAME "archival-studio.conf")

# ---- compiled translations -------------------------------------------------------------------
# Whatever *.qm files the build produces (qt_add_translations / qt_add_lrelease, wherever in
# the build tree), found when installing, so it does not matter which target makes them.
install(CODE "
    file(GLOB_RECURSE _qm RELATIVE \"${CMAKE_BINARY_DIR}\" LIST_DIRECTORIES false \"${CMAKE_BINARY_DIR}/*.qm\")
    list(FILTER _qm EXCLUDE REGEX \"^(_CPack_Packages|tests|Testing|packaging-test)/|(^|/)CMakeFiles/\")
    list(TRANSFORM _qm PREPEND \"${CMAKE_BINARY_DIR}/\")
    if(_qm)
        file(INSTALL \${_qm} DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/archival-studio/translations\")
    endif()")

# ---- the Debian package ----------------------------------------------------------------------
configure_file("${ARCHIVAL_PACKAGING_DIR}/debian/postinst" "${CMAKE_BINARY_DIR}/debian-control/postinst"
    COPYONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
    WORLD_READ WORLD_EXECUTE)
configure_file("${ARCHIVAL_PACKAGING_DIR}/debian/postrm" "${CMAKE_BINARY_DIR}/debian-control/postrm"
    COPYONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
    WORLD_READ WORLD_EXECUTE)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "archival-studio")
set(CPACK_PACKAGE_VENDOR "Archival Studio")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${ARCHIVAL_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "image-generation studio for exhibition curators")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES FALSE)
set(CPACK_THREADS 0)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "amd64")
set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"Archival Studio generates images in-process with libtorch (Stable Diffusion 3.5
Large Turbo and Stable Diffusion 1.5) through named programs. It offers a Qt
desktop studio, a command line (generate, batch, serve, programs), a durable
batch queue that uploads to Cloudflare R2 or any S3-compatible store, and a
WebSocket host that exhibition screens attach to.

The package carries the libtorch (with its CUDA libraries) the program was
built with. It runs on the CPU; an NVIDIA GPU is used when its driver is
installed.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Loaded at run time, so invisible to dpkg-shlibdeps: the platform plugins (xcb, offscreen)
# and the SVG icon engine / image format plugins.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6svg6")
# QtKeychain dlopens libsecret; a secret service keeps the R2 secret and the host token.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libsecret-1-0, gnome-keyring")
# The NVIDIA driver's libcuda.so.1 (non-free) turns on the GPU.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libcuda1")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_BINARY_DIR}/debian-control/postinst;${CMAKE_BINARY_DIR}/debian-control/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_COMPRESSION_TYPE "${ARCHIVAL_DEB_COMPRESSION}")
# Read by cpack itself: lets ARCHIVAL_DEB_COMPRESSION in cpack's environment override the
# compression for one run.
set(CPACK_PROJECT_CONFIG_FILE "${ARCHIVAL_PACKAGING_DIR}/cmake/ArchivalCPackOptions.cmake")
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
