# Copies libpanamax (and libpanamax_cuda when built) plus every shared library
# they need beyond glibc / libstdc++ / libgcc into PMX_BUNDLE_DIR, and writes
# libraries.txt there: the list the Java loader extracts from the jar.
set(PMX_BUNDLE_LIBS $<TARGET_FILE:panamax>)
set(PMX_BUNDLE_DEPS panamax)
if(TARGET panamax_cuda)
  list(APPEND PMX_BUNDLE_LIBS $<TARGET_FILE:panamax_cuda>)
  list(APPEND PMX_BUNDLE_DEPS panamax_cuda)
endif()
add_custom_target(pmx_bundle ALL
    COMMAND ${CMAKE_COMMAND} "-DLIBS=${PMX_BUNDLE_LIBS}" "-DDEST=${PMX_BUNDLE_DIR}"
            -P ${CMAKE_CURRENT_LIST_DIR}/bundle_copy.cmake
    DEPENDS ${PMX_BUNDLE_DEPS}
    COMMENT "Bundling native libraries into ${PMX_BUNDLE_DIR}"
    VERBATIM)
