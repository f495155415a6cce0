# Script mode: cmake -DLIBS=a.so;b.so -DDEST=dir -P bundle_copy.cmake
file(MAKE_DIRECTORY "${DEST}")
file(GLOB old "${DEST}/*.so*")
if(old)
  file(REMOVE ${old})
endif()
file(GET_RUNTIME_DEPENDENCIES
     LIBRARIES ${LIBS}
     RESOLVED_DEPENDENCIES_VAR deps
     UNRESOLVED_DEPENDENCIES_VAR missing
     # Present on every Linux with a JDK: glibc, the C++ runtime, the loader.
     PRE_EXCLUDE_REGEXES "^libc\\.so" "^libm\\.so" "^libstdc\\+\\+\\.so" "^libgcc_s\\.so"
                         "^ld-linux" "^libpthread\\.so" "^libdl\\.so" "^librt\\.so"
                         "^linux-vdso" "^libpanamax"
     POST_EXCLUDE_REGEXES "libpanamax")
list(FILTER missing EXCLUDE REGEX "libpanamax|libcuda")
if(missing)
  message(FATAL_ERROR "bundle: unresolved dependencies: ${missing}")
endif()
set(names "")
foreach(lib IN LISTS deps LIBS)
  # Copy under the name the dynamic linker looks for (the SONAME's file name).
  get_filename_component(real "${lib}" REALPATH)
  get_filename_component(name "${lib}" NAME)
  file(COPY_FILE "${real}" "${DEST}/${name}")
  list(APPEND names "${name}")
endforeach()
list(JOIN names "\n" text)
file(WRITE "${DEST}/libraries.txt" "${text}\n")
message(STATUS "bundle: ${names}")
