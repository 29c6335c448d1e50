using Xunit;

// libtorch's default dtype, thread count and global RNG are process-wide, and several tests measure the
// calling thread's live-tensor count; running test classes one at a time keeps those tests deterministic.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
