// The parallel loop of the CPU kernels: work items 0 .. total-1 are handed
// out one at a time from a shared atomic counter to an OpenMP team of
// min(threads, total) threads, so uneven items balance themselves.
#pragma once

#include <omp.h>

#include <atomic>
#include <cstdint>

namespace pmx {

// make_worker(thread_index) runs once per thread, before its first item, and
// returns the callable worker(item) that thread then runs for each item it
// takes. thread_index < min(threads, total): it picks the thread's
// workspace slice. Which thread runs an item must not change the results.
// With one thread (or one item) everything runs on the calling thread.
template <class MakeWorker>
void parallel_items(int64_t total, int threads, MakeWorker &&make_worker) {
    if (total <= 0) return;
    if (threads <= 1 || total == 1) {
        auto worker = make_worker(0);
        for (int64_t i = 0; i < total; ++i) worker(i);
        return;
    }
    std::atomic<int64_t> next{0};
    const int team = int(total < threads ? total : threads);
#pragma omp parallel num_threads(team)
    {
        // The runtime may give a smaller team (nested regions, thread limits):
        // the shared counter hands every item out regardless.
        auto worker = make_worker(omp_get_thread_num());
        for (;;) {
            const int64_t i = next.fetch_add(1, std::memory_order_relaxed);
            if (i >= total) break;
            worker(i);
        }
    }
}

}  // namespace pmx
