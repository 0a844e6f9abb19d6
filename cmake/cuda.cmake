# The CUDA runtime is optional: with it, omni.gpu talks to devices; without it,
# omni.gpu answers "no usable GPU: built without CUDA". The runtime library is
# opened with dlopen at run time (core/gpu*.c), so only the headers are needed
# here and the binary runs on machines without a driver.
# -DOMNILUA_WITH_CUDA=OFF builds without it even where it is installed (to
# test that build).
option(OMNILUA_WITH_CUDA "Use the CUDA runtime headers when found" ON)
set(OMNILUA_HAVE_CUDA OFF)
if(OMNILUA_WITH_CUDA)
  find_path(OMNILUA_CUDA_INCLUDE cuda_runtime_api.h
    HINTS $ENV{CUDA_HOME}/include /usr/local/cuda/include)
endif()
if(OMNILUA_WITH_CUDA AND OMNILUA_CUDA_INCLUDE)
  set(OMNILUA_HAVE_CUDA ON)
  message(STATUS "omnilua: CUDA headers found in ${OMNILUA_CUDA_INCLUDE}")
else()
  message(STATUS "omnilua: building without CUDA, omni.gpu reports no usable GPU")
endif()

# Fake CUDA runtimes for omni.gpu's tests (tests/gpu/fake_cudart.c), built in
# every configuration next to the omnilua binary as
# libomni_fake_cudart_<variant>.so. They let the tests exercise both the
# no-GPU paths and the happy paths on machines without a GPU.
set(OMNILUA_FAKE_CUDART_VARIANTS nodevice zero onegpu nomalloc)
set(mode 1)
foreach(variant ${OMNILUA_FAKE_CUDART_VARIANTS})
  add_library(omni_fake_cudart_${variant} SHARED ${CMAKE_SOURCE_DIR}/tests/gpu/fake_cudart.c)
  target_compile_definitions(omni_fake_cudart_${variant} PRIVATE FAKE_MODE=${mode})
  target_link_libraries(omni_fake_cudart_${variant} PRIVATE Threads::Threads)
  set_target_properties(omni_fake_cudart_${variant} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
  math(EXPR mode "${mode} + 1")
endforeach()
