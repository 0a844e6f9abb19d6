# The CUDA runtime is optional: with it, omni.gpu talks to devices; without it,
# omni.gpu answers "no usable GPU: built without CUDA". The runtime library is
# opened with dlopen at run time (core/gpu*.c), so only the headers are needed
# here and the binary runs on machines without a driver.
set(OMNILUA_HAVE_CUDA OFF)
find_path(OMNILUA_CUDA_INCLUDE cuda_runtime_api.h
  HINTS $ENV{CUDA_HOME}/include /usr/local/cuda/include)
if(OMNILUA_CUDA_INCLUDE)
  set(OMNILUA_HAVE_CUDA ON)
  message(STATUS "omnilua: CUDA headers found in ${OMNILUA_CUDA_INCLUDE}")
else()
  message(STATUS "omnilua: CUDA not found, omni.gpu reports no usable GPU")
endif()
