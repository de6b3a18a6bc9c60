# Emscripten: tests and benchmarks run under node with the host file system mounted
# (NODERAWFS) so they read the same trace files as native code. SINGLE_FILE embeds the
# .wasm because Emscripten 3.1.6's loader fails to fetch it under node 20.
set(FF_WASM_LINK_FLAGS -sSINGLE_FILE=1 -sALLOW_MEMORY_GROWTH=1 -sNODERAWFS=1 -sEXIT_RUNTIME=1
    -sINITIAL_MEMORY=64MB -sTOTAL_STACK=4MB)
find_program(FF_NODE node REQUIRED)

# nlohmann-json is header-only; expose only its folder so the Emscripten sysroot is not
# mixed with the host's /usr/include.
set(FF_NLOHMANN_SHIM "${CMAKE_BINARY_DIR}/nlohmann-include")
file(MAKE_DIRECTORY "${FF_NLOHMANN_SHIM}")
file(CREATE_LINK /usr/include/nlohmann "${FF_NLOHMANN_SHIM}/nlohmann" SYMBOLIC)
add_library(ff_nlohmann INTERFACE)
target_include_directories(ff_nlohmann SYSTEM INTERFACE "${FF_NLOHMANN_SHIM}")

# zlib is not in the offline Emscripten sysroot: give wasm code decompressed traces.
set(FF_WASM_TRACE_DIR "${CMAKE_BINARY_DIR}/traces")
file(MAKE_DIRECTORY "${FF_WASM_TRACE_DIR}")
file(GLOB _ff_traces "${FF_TRACE_DIR}/*.json.gz")
foreach(_trace IN LISTS _ff_traces)
  get_filename_component(_name "${_trace}" NAME_WLE)
  if(NOT EXISTS "${FF_WASM_TRACE_DIR}/${_name}")
    execute_process(COMMAND gzip -dc "${_trace}" OUTPUT_FILE "${FF_WASM_TRACE_DIR}/${_name}" COMMAND_ERROR_IS_FATAL ANY)
  endif()
endforeach()
set(FF_TRACE_DIR "${FF_WASM_TRACE_DIR}")
