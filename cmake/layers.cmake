# The library's layers, and the build that holds them to their order. Each folder of src/ is
# an object library that sees only: its own folder, the public headers (include/nnlab/...)
# of itself and of the layers below it, and the few internal headers those layers export
# upward. Anything else is not on its include path, so a wrong include fails to compile
# ("fatal error: train/config.h: No such file or directory"). The table below is the one
# place the layering is written: per layer, the layers directly below it (the arrows of
# docs/DESIGN.md), its public headers, and the internal headers it exports.

set(NNLAB_LAYERS core tensor backend autograd ops nn optim io export data download report dist train tune experiments bench board)

set(NNLAB_core_BELOW "")
set(NNLAB_core_PUBLIC nnlab/error.h nnlab/version.h nnlab/option_table.h nnlab/memory_budget.h nnlab/fingerprint.h
    nnlab/machine_load.h)

set(NNLAB_tensor_BELOW core)
set(NNLAB_tensor_PUBLIC nnlab/tensor.h nnlab/generator.h nnlab/state_dict.h)
# Tensor internals the ops and autograd read (the implementation record, layout helpers).
set(NNLAB_tensor_EXPORTS tensor/tensor_impl.h tensor/storage.h tensor/layout.h)

set(NNLAB_backend_BELOW tensor)
set(NNLAB_backend_PUBLIC nnlab/backend.h nnlab/precision.h nnlab/conv_algorithm.h nnlab/scoped_setting.h)
# The kernel interface per op family that the layers above call; the oneDNN engine, the
# primitive cache and the instruction-set dispatch behind it stay private.
set(NNLAB_backend_EXPORTS
    backend/cpu/isa.h backend/cpu/elementwise.h backend/cpu/broadcast.h backend/cpu/gemm.h
    backend/cpu/optimizer_kernels.h backend/cpu/batch_norm_nhwc.h backend/cpu/max_pool.h
    backend/cpu/onednn_pool.h backend/cpu/onednn_conv.h backend/cpu/conv_batch_split.h
    backend/cpu/onednn_eltwise.h)

set(NNLAB_autograd_BELOW backend)
set(NNLAB_autograd_PUBLIC nnlab/autograd.h nnlab/autograd_hooks.h)

set(NNLAB_ops_BELOW autograd)
set(NNLAB_ops_PUBLIC nnlab/ops.h nnlab/ops)

set(NNLAB_nn_BELOW ops)
set(NNLAB_nn_PUBLIC nnlab/nn nnlab/zoo)

set(NNLAB_optim_BELOW backend)
set(NNLAB_optim_PUBLIC nnlab/optim)

set(NNLAB_io_BELOW tensor)
set(NNLAB_io_PUBLIC nnlab/io)

set(NNLAB_data_BELOW io)
set(NNLAB_data_PUBLIC nnlab/data)

# Fetching published datasets over HTTP (libcurl) into nnlab's cache, checked by MD5
# (OpenSSL); the CLI calls it before the data layer reads what it fetched.
set(NNLAB_download_BELOW data)
set(NNLAB_download_PUBLIC nnlab/download)

set(NNLAB_report_BELOW io)
set(NNLAB_report_PUBLIC nnlab/report)

set(NNLAB_train_BELOW data nn optim report dist)
set(NNLAB_train_PUBLIC nnlab/train)

# Data-parallel training over MPI (OpenMPI): the replica group, the gradient reducer (which
# hooks into autograd to send buckets during backward) and the start-up checks; only the
# trainer's hooks call it.
set(NNLAB_dist_BELOW autograd)
set(NNLAB_dist_PUBLIC nnlab/dist)

# The tuner runs training: its adapter checks parameter names against train's key tables.
set(NNLAB_tune_BELOW train report io)
set(NNLAB_tune_PUBLIC nnlab/tune)
# The one fork/exec wrapper, which the experiments' child runs use too.
set(NNLAB_tune_EXPORTS tune/subprocess.h)

set(NNLAB_experiments_BELOW train tune)
set(NNLAB_experiments_PUBLIC nnlab/experiments)

set(NNLAB_bench_BELOW nn optim)
set(NNLAB_bench_PUBLIC nnlab/bench.h)

# The dashboard reads what train, tune and experiments write (never writes).
set(NNLAB_board_BELOW tune train report io)
set(NNLAB_board_PUBLIC nnlab/board)
# ONNX export of a module tree: the zoo's layers (nn), the atomic write (io); libonnx is
# linked to this layer alone (CMakeLists.txt).
set(NNLAB_export_BELOW nn io)
set(NNLAB_export_PUBLIC nnlab/export)

# The layers at or below `layer`, in `out`.
function(nnlab_layers_below layer out)
  set(seen ${layer})
  set(todo ${NNLAB_${layer}_BELOW})
  while(todo)
    list(POP_FRONT todo l)
    if(NOT l IN_LIST seen)
      list(APPEND seen ${l})
      list(APPEND todo ${NNLAB_${l}_BELOW})
    endif()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# build/layers/<layer>/: links to what the layer may include, its include path.
function(nnlab_layer_include_dir layer out)
  set(dir ${CMAKE_BINARY_DIR}/layers/${layer})
  file(REMOVE_RECURSE ${dir})  # removes the links, never what they point to
  file(MAKE_DIRECTORY ${dir}/nnlab)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${layer} ${dir}/${layer} SYMBOLIC)
  nnlab_layers_below(${layer} visible)
  foreach(l ${visible})
    foreach(h ${NNLAB_${l}_PUBLIC})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/${h} ${dir}/${h} SYMBOLIC)
    endforeach()
    if(NOT l STREQUAL layer)
      foreach(h ${NNLAB_${l}_EXPORTS})
        get_filename_component(parent ${dir}/${h} DIRECTORY)
        file(MAKE_DIRECTORY ${parent})
        file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${h} ${dir}/${h} SYMBOLIC)
      endforeach()
    endif()
  endforeach()
  set(${out} ${dir} PARENT_SCOPE)
endfunction()
