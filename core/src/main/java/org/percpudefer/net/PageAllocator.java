package org.percpudefer.net;

import java.util.Arrays;

import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.ordering.SpinLock;

/**
 * A page allocator shaped like the kernel's: one zone of real memory (a {@code byte[]} of whole pages)
 * managed by a buddy allocator under one zone lock, and in front of it a list of free pages per CPU
 * (the kernel's per-cpu pages, "pcp") that its CPU uses without any lock.
 *
 * <ul>
 *   <li>{@link #alloc(int)} takes a page from the CPU's list; an empty list is first refilled with
 *       {@code batch} pages from the zone under the zone lock, splitting larger buddy blocks
 *       ({@code rmqueue_bulk}).</li>
 *   <li>{@link #free(int, int)} puts a page on the CPU's list; a list that reaches {@code high} first
 *       gives {@code batch} pages back to the zone under the zone lock, each merged with its free buddies
 *       as far as they go ({@code free_pcppages_bulk}, {@code __free_one_page}).</li>
 * </ul>
 * So a CPU that frees pages another CPU allocated spills them to the zone, while the allocating CPU runs
 * dry and refills from it: both take the zone lock, and the pages' metadata moves between their caches.
 * That is the cost the seed's profile shows on the recvmsg CPU, and here it is real work.
 *
 * <p>A page is its frame number ({@code pfn}); its bytes are
 * {@code memory()[offset(pfn) .. offset(pfn) + PAGE_SIZE - 1]}. Only order-0 pages are handed out.
 *
 * <p>Thread contract: {@code alloc(cpu)} and {@code free(cpu, pfn)} for CPU {@code cpu} only on that
 * CPU's thread (its list is plain, single-owner state); the zone's state is touched only under the zone
 * lock (a {@link SpinLock}, as the kernel's). The counters are read after the CPUs are quiet. A page handed out belongs to its caller until it
 * is freed; freeing it twice, or freeing a page that is not allocated, is detected where it is cheap (a
 * page that is the head of a free buddy block) and otherwise caught by {@link #freePages()} accounting.
 */
public final class PageAllocator {

    /** Bytes in a page. */
    public static final int PAGE_SIZE = 4096;
    /** log2 of {@link #PAGE_SIZE}. */
    public static final int PAGE_SHIFT = 12;
    /** The largest buddy block is {@code 2^MAX_ORDER} pages (4 MiB), as the kernel's default. */
    public static final int MAX_ORDER = 10;
    /** The kernel's default pcp batch. */
    public static final int DEFAULT_BATCH = 63;
    /** A pcp list's high watermark by default: six batches, the kernel's old {@code percpu_pagelist_high_fraction} default shape. */
    public static final int DEFAULT_HIGH = 6 * DEFAULT_BATCH;
    /** The most pages a zone may have: 2^31 bytes of memory. */
    public static final int MAX_PAGES = 1 << (31 - PAGE_SHIFT - 1);

    private static final byte NOT_FREE = -1;

    private final byte[] memory;
    private final int pages;
    private final int batch;
    private final int high;
    private final PerCpuPages[] pcp;

    /**
     * The kernel's zone->lock: a spinlock, so a waiting CPU spins instead of sleeping. Its acquire/release
     * orders one CPU's spill against another's refill (jcstress PageZoneRace).
     */
    private final SpinLock zoneLock = new SpinLock();
    // ---- guarded by zoneLock: the buddy allocator
    /** Order of the free block whose first page is pfn, or NOT_FREE. */
    private final byte[] blockOrder;
    /** Doubly linked free lists, one per order, threaded through the first page of each block. */
    private final int[] nextFree;
    private final int[] prevFree;
    private final int[] freeHead = new int[MAX_ORDER + 1];
    private int zoneFree;
    private long zoneLocks;
    private long zoneContended;
    private long splits;
    private long merges;
    private long refills;
    private long spills;
    private long failures;

    /**
     * @param cpus  simulated CPUs, one page list each, {@code 1..}{@value MachineConfig#MAX_CPUS}
     * @param pages pages in the zone, {@code 1..}{@value #MAX_PAGES}
     * @param high  a CPU's list spills when it holds this many pages, {@code batch..pages}
     * @param batch pages moved per refill or spill, {@code 1..pages}
     * @throws IllegalArgumentException if a value is out of range
     */
    public PageAllocator(int cpus, int pages, int high, int batch) {
        if (cpus < 1 || cpus > MachineConfig.MAX_CPUS) {
            throw new IllegalArgumentException("cpus " + cpus + " is out of range (allowed: 1.." + MachineConfig.MAX_CPUS + ")");
        }
        if (pages < 1 || pages > MAX_PAGES) {
            throw new IllegalArgumentException("zone of " + pages + " pages is out of range (allowed: 1.." + MAX_PAGES + ")");
        }
        if (batch < 1 || batch > pages) {
            throw new IllegalArgumentException("pcp batch " + batch + " is out of range (allowed: 1.." + pages
                    + ", the zone's pages)");
        }
        if (high < batch || high > pages) { // a list never holds more than the zone: a larger high is no limit
            throw new IllegalArgumentException("pcp high " + high + " is out of range (allowed: batch " + batch + ".."
                    + pages + ", the zone's pages)");
        }
        this.pages = pages;
        this.batch = batch;
        this.high = high;
        this.memory = new byte[pages << PAGE_SHIFT];
        this.blockOrder = new byte[pages];
        this.nextFree = new int[pages];
        this.prevFree = new int[pages];
        Arrays.fill(blockOrder, NOT_FREE);
        Arrays.fill(freeHead, -1);
        this.pcp = new PerCpuPages[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            pcp[cpu] = new PerCpuPages(high);
        }
        // Hand the whole zone to the buddy allocator in the largest aligned blocks that fit.
        int pfn = 0;
        while (pfn < pages) {
            int order = Math.min(MAX_ORDER, Integer.numberOfTrailingZeros(pfn == 0 ? Integer.MIN_VALUE : pfn));
            while (pfn + (1 << order) > pages) {
                order--;
            }
            link(pfn, order);
            zoneFree += 1 << order;
            pfn += 1 << order;
        }
    }

    /** @return the zone's memory: page {@code pfn} is at {@link #offset(int)} */
    public byte[] memory() {
        return memory;
    }

    /**
     * @param pfn a page frame number, {@code 0..}{@value #MAX_PAGES}{@code - 1}
     * @return the index of the page's first byte in {@link #memory()}
     * @throws IllegalArgumentException if {@code pfn} is out of range (no zone has that page)
     */
    public static int offset(int pfn) {
        if (pfn < 0 || pfn >= MAX_PAGES) {
            throw new IllegalArgumentException("page " + pfn + " is out of range (allowed: 0.." + (MAX_PAGES - 1) + ")");
        }
        return pfn << PAGE_SHIFT;
    }

    /** @return pages in the zone */
    public int pages() {
        return pages;
    }

    /**
     * Allocates one page on CPU {@code cpu}, from its list, refilling the list from the zone when empty.
     *
     * @param cpu the calling CPU, {@code 0..cpus - 1}
     * @return the page's frame number, or {@code -1} if the list and the zone are both empty
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public int alloc(int cpu) {
        PerCpuPages list = pcp[checkCpu(cpu)];
        if (list.count == 0) {
            refill(list);
            if (list.count == 0) {
                return -1;
            }
        }
        return list.pages[--list.count];
    }

    /**
     * Frees one page on CPU {@code cpu} to its list, spilling {@code batch} pages to the zone first when
     * the list is at its high watermark.
     *
     * @param cpu the calling CPU, {@code 0..cpus - 1}
     * @param pfn a page allocated from this allocator and not freed since
     * @throws IllegalArgumentException if {@code cpu} is out of range or {@code pfn} is not a page of this zone
     */
    public void free(int cpu, int pfn) {
        checkPage(pfn);
        PerCpuPages list = pcp[checkCpu(cpu)];
        if (list.count == high) {
            spill(list);
        }
        list.pages[list.count++] = pfn;
    }

    /**
     * @param cpu a CPU, {@code 0..cpus - 1}
     * @return pages on its list (its own thread, or after the CPUs are quiet)
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public int pcpCount(int cpu) {
        return pcp[checkCpu(cpu)].count;
    }

    /**
     * @param cpu a CPU number
     * @return {@code cpu}
     * @throws IllegalArgumentException if this allocator has no page list for it
     */
    int checkCpu(int cpu) {
        if (cpu < 0 || cpu >= pcp.length) {
            throw new IllegalArgumentException("cpu " + cpu + " is out of range (allowed: 0.." + (pcp.length - 1) + ")");
        }
        return cpu;
    }

    /**
     * @param pfn a page frame number
     * @throws IllegalArgumentException if it is not a page of this zone
     */
    void checkPage(int pfn) {
        if (pfn < 0 || pfn >= pages) {
            throw new IllegalArgumentException("page " + pfn + " is not in this zone (allowed: 0.." + (pages - 1) + ")");
        }
    }

    /** @return free pages in the zone and on every CPU's list (after the CPUs are quiet) */
    public int freePages() {
        int n = zoneFree();
        for (PerCpuPages list : pcp) {
            n += list.count;
        }
        return n;
    }

    /** @return free pages in the buddy allocator itself */
    public int zoneFree() {
        zoneLock.lock();
        try {
            return zoneFree;
        } finally {
            zoneLock.unlock();
        }
    }

    /**
     * A snapshot of the zone's counters.
     *
     * @return zone lock acquisitions, contended ones, splits, merges, refills, spills, failed refills
     */
    public Stats stats() {
        zoneLock.lock();
        try {
            return new Stats(zoneLocks, zoneContended, splits, merges, refills, spills, failures);
        } finally {
            zoneLock.unlock();
        }
    }

    /**
     * The zone's counters.
     *
     * @param zoneLocks     zone lock acquisitions by refills and spills
     * @param zoneContended of those, acquisitions that found the lock held and waited
     * @param splits        buddy blocks split in two
     * @param merges        buddy pairs merged
     * @param refills       per-CPU lists refilled from the zone
     * @param spills        per-CPU lists spilled to the zone
     * @param failures      refills that found the zone empty
     */
    public record Stats(long zoneLocks, long zoneContended, long splits, long merges, long refills, long spills,
            long failures) {
    }

    /**
     * Checks the buddy allocator's free lists against its counts: every block on the list of its order,
     * aligned, not overlapping, and the pages in them summing to {@link #zoneFree()}.
     *
     * @throws IllegalStateException naming the first inconsistency
     */
    public void checkZone() {
        zoneLock.lock();
        try {
            boolean[] seen = new boolean[pages];
            int sum = 0;
            for (int order = 0; order <= MAX_ORDER; order++) {
                for (int pfn = freeHead[order]; pfn >= 0; pfn = nextFree[pfn]) {
                    if (blockOrder[pfn] != order || (pfn & ((1 << order) - 1)) != 0) {
                        throw new IllegalStateException("block at page " + pfn + " on the order-" + order
                                + " list has order " + blockOrder[pfn] + " or is misaligned");
                    }
                    for (int p = pfn; p < pfn + (1 << order); p++) {
                        if (seen[p]) {
                            throw new IllegalStateException("page " + p + " is in two free blocks");
                        }
                        seen[p] = true;
                    }
                    sum += 1 << order;
                }
            }
            if (sum != zoneFree) {
                throw new IllegalStateException("free lists hold " + sum + " pages, the zone counts " + zoneFree);
            }
        } finally {
            zoneLock.unlock();
        }
    }

    /** @return the number of free blocks of {@code order} in the zone (for tests) */
    int freeBlocks(int order) {
        zoneLock.lock();
        try {
            int n = 0;
            for (int pfn = freeHead[order]; pfn >= 0; pfn = nextFree[pfn]) {
                n++;
            }
            return n;
        } finally {
            zoneLock.unlock();
        }
    }

    // ---------------------------------------------------------------- the zone, under its lock

    private void lockZone() {
        if (!zoneLock.tryLock()) {
            Cpu cpu = Cpu.currentOrNull();
            int was = cpu == null ? 0 : cpu.enter(Activity.ZONE_LOCK_WAIT);
            zoneLock.lock();
            if (cpu != null) {
                cpu.restore(was);
            }
            zoneContended++;
        }
        zoneLocks++;
    }

    /** rmqueue_bulk: up to batch order-0 pages onto the list. */
    private void refill(PerCpuPages list) {
        Cpu cpu = Cpu.currentOrNull();
        int was = cpu == null ? 0 : cpu.enter(Activity.PAGE_REFILL);
        lockZone();
        try {
            refills++;
            for (int i = 0; i < batch; i++) {
                int pfn = takeOrder0();
                if (pfn < 0) {
                    failures++;
                    break;
                }
                list.pages[list.count++] = pfn;
            }
        } finally {
            zoneLock.unlock();
            if (cpu != null) {
                cpu.restore(was);
            }
        }
    }

    /** free_pcppages_bulk: the batch pages freed longest ago go back to the zone. */
    private void spill(PerCpuPages list) {
        Cpu cpu = Cpu.currentOrNull();
        int was = cpu == null ? 0 : cpu.enter(Activity.PAGE_SPILL);
        lockZone();
        try {
            spills++;
            for (int i = 0; i < batch; i++) {
                freeOne(list.pages[i]);
            }
        } finally {
            zoneLock.unlock();
            if (cpu != null) {
                cpu.restore(was);
            }
        }
        System.arraycopy(list.pages, batch, list.pages, 0, list.count - batch);
        list.count -= batch;
    }

    /** __rmqueue_smallest: the smallest free block, split down to one page. */
    private int takeOrder0() {
        int order = 0;
        while (order <= MAX_ORDER && freeHead[order] < 0) {
            order++;
        }
        if (order > MAX_ORDER) {
            return -1;
        }
        int pfn = freeHead[order];
        unlink(pfn, order);
        while (order > 0) { // expand(): keep the lower half, free the upper one
            order--;
            link(pfn + (1 << order), order);
            splits++;
        }
        zoneFree--;
        return pfn;
    }

    /** __free_one_page: merge with the buddy while it is free and of the same order. */
    private void freeOne(int pfn) {
        if (blockOrder[pfn] != NOT_FREE) {
            throw new IllegalStateException("page " + pfn + " freed twice: it is already free in the zone");
        }
        int order = 0;
        while (order < MAX_ORDER) {
            int buddy = pfn ^ (1 << order);
            if (buddy >= pages || blockOrder[buddy] != order) {
                break;
            }
            unlink(buddy, order);
            pfn = Math.min(pfn, buddy);
            order++;
            merges++;
        }
        link(pfn, order);
        zoneFree++;
    }

    private void link(int pfn, int order) {
        blockOrder[pfn] = (byte) order;
        int head = freeHead[order];
        nextFree[pfn] = head;
        prevFree[pfn] = -1;
        if (head >= 0) {
            prevFree[head] = pfn;
        }
        freeHead[order] = pfn;
    }

    private void unlink(int pfn, int order) {
        int next = nextFree[pfn];
        int prev = prevFree[pfn];
        if (prev >= 0) {
            nextFree[prev] = next;
        } else {
            freeHead[order] = next;
        }
        if (next >= 0) {
            prevFree[next] = prev;
        }
        blockOrder[pfn] = NOT_FREE;
    }

    /** One CPU's free pages: its own thread only. Padded, so two CPUs' lists never share a line. */
    static final class PerCpuPages {
        long p01, p02, p03, p04, p05, p06, p07;
        final int[] pages;
        int count;
        long p11, p12, p13, p14, p15, p16, p17;

        PerCpuPages(int high) {
            pages = new int[high];
        }
    }
}
