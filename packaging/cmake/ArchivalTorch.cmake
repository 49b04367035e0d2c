# Finds libtorch 2.x: from the project's virtual environment (packaging/setup.sh passes
# torch.utils.cmake_prefix_path) or any other libtorch given through Torch_DIR or
# CMAKE_PREFIX_PATH (the official archive, the PyTorch of a GPU machine).
find_package(Torch 2.0 REQUIRED)

# Torch's config adds its flags (e.g. the C++ ABI define) through TORCH_CXX_FLAGS; every
# target that touches libtorch types must agree with them, so keep them on the imported
# target instead of the global flags.
add_library(archival_torch INTERFACE)
target_link_libraries(archival_torch INTERFACE ${TORCH_LIBRARIES})
separate_arguments(_archival_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
target_compile_options(archival_torch INTERFACE ${_archival_torch_flags})
message(STATUS "libtorch ${Torch_VERSION} from ${Torch_DIR}")
