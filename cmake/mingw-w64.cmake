# cmake/mingw-w64.cmake: toolchain for one static 64-bit mend.exe built with Debian's mingw-w64.
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MEND_MINGW_TRIPLE x86_64-w64-mingw32)

# The win32-threads flavour needs no libwinpthread at all; the posix one is linked statically by
# -static when it is the only one installed.
find_program(CMAKE_C_COMPILER NAMES ${MEND_MINGW_TRIPLE}-gcc-win32 ${MEND_MINGW_TRIPLE}-gcc-posix
             ${MEND_MINGW_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${MEND_MINGW_TRIPLE}-windres)
find_program(CMAKE_AR NAMES ${MEND_MINGW_TRIPLE}-gcc-ar ${MEND_MINGW_TRIPLE}-ar)
find_program(CMAKE_RANLIB NAMES ${MEND_MINGW_TRIPLE}-gcc-ranlib ${MEND_MINGW_TRIPLE}-ranlib)

set(CMAKE_FIND_ROOT_PATH /usr/${MEND_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# C99 printf (%zu, %lld, %ls as on Linux), so one format string and -Wformat serve both builds.
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")

# libgcc and (if used) libwinpthread inside the exe: imports are then Windows system DLLs only.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")

# Tests of the Windows build (tests/wine) run their executables through Wine.
find_program(MEND_WINE NAMES wine wine64)
if(MEND_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MEND_WINE})
endif()
