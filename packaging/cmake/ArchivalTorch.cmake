# Finds libtorch 2.x: from the project's virtual environment (packaging/setup.sh passes
# torch.utils.cmake_prefix_path) or any other libtorch given through Torch_DIR or
# CMAKE_PREFIX_PATH (the official archive, the PyTorch of a GPU machine).
find_package(Torch 2.0 REQUIRED)

# Torch's config adds its flags (e.g. the C++ ABI define) through TORCH_CXX_FLAGS; every
# target that touches libtorch types must agree with them, so keep them on the imported
# target instead of the global flags.
#
# archival_torch: libtorch itself (headers, flags, libraries), for the engine's own sources,
# its tests and the bench. archival_torch_abi: only the libstdc++ ABI define (an old-ABI
# libtorch says -D_GLIBCXX_USE_CXX11_ABI=0), which everything that shares std::string with
# the engine must agree on, so the engine passes it on to its users.
add_library(archival_torch INTERFACE)
add_library(archival_torch_abi INTERFACE)
target_link_libraries(archival_torch INTERFACE ${TORCH_LIBRARIES} archival_torch_abi)
separate_arguments(_archival_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
foreach(_flag IN LISTS _archival_torch_flags)
    if(_flag MATCHES "^-D_GLIBCXX_USE_CXX11_ABI=")
        target_compile_options(archival_torch_abi INTERFACE ${_flag})
    else()
        target_compile_options(archival_torch INTERFACE ${_flag})
    endif()
endforeach()
message(STATUS "libtorch ${Torch_VERSION} from ${Torch_DIR}")
