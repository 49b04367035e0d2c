# Install-time script (install(SCRIPT) from ArchivalPackaging.cmake): copies the shared
# libraries archival-studio needs from the torch wheel and its nvidia-* wheels into the
# package's private library folder. Set before it runs:
#   ARCHIVAL_BUNDLE_EXECUTABLE        the built program
#   ARCHIVAL_BUNDLE_EXTRA_LIBRARIES   libraries loaded with dlopen (their dependencies follow)
#   ARCHIVAL_BUNDLE_FROM              the wheels' root (site-packages); only libraries under it
#                                     are carried, everything else is a Debian package
#   ARCHIVAL_BUNDLE_DESTINATION       relative to the install prefix
file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES "${ARCHIVAL_BUNDLE_EXECUTABLE}"
    LIBRARIES ${ARCHIVAL_BUNDLE_EXTRA_LIBRARIES}
    RESOLVED_DEPENDENCIES_VAR _archival_resolved
    UNRESOLVED_DEPENDENCIES_VAR _archival_unresolved
    CONFLICTING_DEPENDENCIES_PREFIX _archival_conflict)

if(_archival_unresolved)
    message(FATAL_ERROR "archival-studio needs libraries that were not found: ${_archival_unresolved}")
endif()
# A soname found in two places (e.g. libgomp.so.1: the wheel's copy through libtorch's RPATH,
# the system's for other libraries) is loaded once, from the wheel as in the build tree: carry
# the wheel's copy.
set(_archival_candidates ${_archival_resolved} ${ARCHIVAL_BUNDLE_EXTRA_LIBRARIES})
foreach(_name IN LISTS _archival_conflict_FILENAMES)
    message(STATUS "${_name} found in several places, carrying the wheel's: ${_archival_conflict_${_name}}")
    list(APPEND _archival_candidates ${_archival_conflict_${_name}})
endforeach()

set(_archival_carried "")
foreach(_lib IN LISTS _archival_candidates)
    get_filename_component(_real "${_lib}" REALPATH)
    string(FIND "${_real}" "${ARCHIVAL_BUNDLE_FROM}/" _at)
    if(_at EQUAL 0)
        list(APPEND _archival_carried "${_lib}")
    endif()
endforeach()
list(REMOVE_DUPLICATES _archival_carried)
list(LENGTH _archival_carried _count)
if(_count EQUAL 0)
    message(FATAL_ERROR "no libtorch library found under ${ARCHIVAL_BUNDLE_FROM}")
endif()

# file(INSTALL) adds $DESTDIR itself.
set(_dest "${CMAKE_INSTALL_PREFIX}/${ARCHIVAL_BUNDLE_DESTINATION}")
message(STATUS "Carrying ${_count} libtorch/CUDA libraries into $ENV{DESTDIR}${_dest}")
foreach(_lib IN LISTS _archival_carried)
    # The wheels hold plain files named by soname: the name stays the one the program asks for.
    file(INSTALL "${_lib}" DESTINATION "${_dest}" TYPE SHARED_LIBRARY
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FOLLOW_SYMLINK_CHAIN)
endforeach()
