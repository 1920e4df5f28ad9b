package org.percpudefer.net;

import java.util.Objects;

/**
 * A NIC receive queue's page pool, after the kernel's {@code page_pool}: a small cache of pages that the
 * queue's NAPI poll allocates from first, and that takes a page back directly only when the page is
 * freed on the queue's own CPU in receive (NAPI) context. A page freed anywhere else, or when the cache
 * is full, goes back to the page allocator on the freeing CPU.
 *
 * <p>So recycling works only when the skbs are freed where they were made: the seed's NIC had a pool
 * "too small compared to number of pages held in sockets receive queues", and once skbs were freed on
 * the recvmsg CPU, every page went the long way through the page allocator.
 *
 * <p>Thread contract: every method on the owning CPU's thread, except {@link #put(int, int, boolean)},
 * which any CPU calls with its own number (it touches the cache only on the owner).
 */
public final class PagePool {

    /** The default size: small against the 4096 pages a 16 MB receive buffer holds. */
    public static final int DEFAULT_SIZE = 256;

    private final PageAllocator allocator;
    private final int owner;
    /** Owner's thread only. */
    private final int[] cache;
    private int count;
    private long recycled;
    private long fromAllocator;

    /**
     * @param allocator the page allocator behind the pool; not null
     * @param owner     the CPU whose NAPI poll allocates from the pool, one of the allocator's
     * @param size      pages the cache holds, {@code 0..}{@value FlowConfig#MAX_PAGE_POOL} (0: no recycling)
     * @throws IllegalArgumentException if {@code owner} or {@code size} is out of range
     */
    public PagePool(PageAllocator allocator, int owner, int size) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        if (size < 0 || size > FlowConfig.MAX_PAGE_POOL) {
            throw new IllegalArgumentException("page pool size " + size + " is out of range (allowed: 0.."
                    + FlowConfig.MAX_PAGE_POOL + ")");
        }
        this.owner = allocator.checkCpu(owner);
        this.cache = new int[size];
    }

    /**
     * Takes a page: a recycled one if the cache has one, else one from the allocator.
     *
     * @return the page's frame number, or {@code -1} if memory is exhausted
     */
    public int alloc() {
        if (count > 0) {
            return cache[--count];
        }
        fromAllocator++;
        return allocator.alloc(owner);
    }

    /**
     * Gives a page back ({@code page_pool_put_page}): into the cache if {@code cpu} is the owner, in NAPI
     * context, and the cache has room; else to the page allocator on {@code cpu}.
     *
     * @param pfn    the page, of the allocator's zone
     * @param cpu    the calling CPU, one of the allocator's
     * @param inNapi whether the caller runs in the owner's receive softirq
     * @throws IllegalArgumentException if {@code pfn} or {@code cpu} is out of range
     */
    public void put(int pfn, int cpu, boolean inNapi) {
        allocator.checkPage(pfn);
        if (cpu == owner && inNapi && count < cache.length) {
            cache[count++] = pfn;
            recycled++;
            return;
        }
        allocator.free(cpu, pfn);
    }

    /** @return pages in the cache now (owner, or after the CPUs are quiet) */
    public int cached() {
        return count;
    }

    /** @return pages recycled directly (owner, or after the CPUs are quiet) */
    public long recycled() {
        return recycled;
    }

    /** @return pages the pool had to take from the allocator (owner, or after the CPUs are quiet) */
    public long fromAllocator() {
        return fromAllocator;
    }

    /**
     * Empties the cache into the allocator, on the owner's thread or after the CPUs are quiet.
     *
     * @param cpu the CPU whose page list receives the pages, one of the allocator's
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public void drainTo(int cpu) {
        allocator.checkCpu(cpu);
        while (count > 0) {
            allocator.free(cpu, cache[--count]);
        }
    }
}
