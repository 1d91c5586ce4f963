//! The allocator settings of the `metarl` command (process-global, so the binary's business, not
//! the library's).
//!
//! Every meta-iteration allocates and frees per-task matrices of a few hundred kB to a few MB
//! (the activations a forward-mode linearization keeps, rows x hidden units in f64). Above its
//! default mmap threshold glibc malloc hands each of them to `mmap` and back, and re-faulting
//! the pages made gradients slower; mimalloc, used until then, kept them but its retained memory
//! grew over training (peak RSS of the default nav2d run 172 → 217 MiB over 200 iterations).
//! glibc with a fixed 64 MiB mmap threshold and a 256 MiB trim threshold keeps the freed
//! matrices in its heap for reuse: measured with `metarl bench speed` against mimalloc, the same
//! seconds per iteration (nav2d-reference.toml 0.604 vs 0.608 s, cheetah-vel 14.9/14.5 vs
//! 14.8/14.6 s) at 44 % less peak RSS on nav2d (83 vs 148 MiB) and 7 % less on cheetah-vel.
//!
//! A user who sets glibc's own `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_` keeps them.

/// Fixed mmap threshold: allocations below it come from the heap and are reused after a free.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 64 << 20;
/// Free memory at the top of the heap that glibc keeps instead of returning it to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 256 << 20;

/// Applies the settings above (glibc on Linux; elsewhere the platform allocator is left as is).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let user_set = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        if !user_set {
            // SAFETY: mallopt only changes malloc's parameters; it is called before any other
            // thread exists.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
                libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
            }
        }
    }
}
