package org.percpudefer.net;

import java.util.Objects;

import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.DeferLists;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.LockKind;

/**
 * The set-up of one emulated TCP flow: the machine, where the NIC's receive queue and the reader run,
 * the sizes of the receive path, and how skbs are freed. The defaults are the seed's experiment: two
 * CPUs (RFS steering the reader away from the NIC's CPU), 64 KB GRO packets in 4 KB fragments, a 16 MB
 * receive buffer, a small page pool, {@code skb_defer_max} 64.
 *
 * @param cpus         simulated CPUs, {@code 1..}{@value MachineConfig#MAX_CPUS}
 * @param nicCpu       the CPU whose NET_RX softirq polls the receive queue, {@code 0..cpus - 1}
 * @param readerCpu    the CPU of the reading task, {@code 0..cpus - 1} (the NIC's CPU too: no RFS)
 * @param groSize      payload bytes per skb, a whole number of {@link PageAllocator#PAGE_SIZE} fragments,
 *                     {@code 4096..}{@value #MAX_GRO_SIZE}
 * @param rcvbuf       the socket's receive buffer in bytes ({@code tcp_rmem[2]}),
 *                     {@code 4096..}{@value #MAX_RCVBUF}
 * @param pagePoolSize pages the NIC queue's page pool recycles, {@code 0..}{@value #MAX_PAGE_POOL}
 * @param deferMax     {@code net.core.skb_defer_max}, {@code 0..}{@value #MAX_DEFER_MAX}
 * @param variant      how the reader frees skbs
 * @param lock         the defer lock of the locked variants
 * @param pin          whether the CPUs' threads are pinned to cores
 * @param dma          who writes the payload
 */
public record FlowConfig(int cpus, int nicCpu, int readerCpu, int groSize, long rcvbuf, int pagePoolSize,
        int deferMax, DeferVariant variant, LockKind lock, boolean pin, Dma dma) {

    /** The largest GRO packet: BIG TCP's 512 KB. */
    public static final int MAX_GRO_SIZE = 512 << 10;
    /** The largest receive buffer: 256 MB (the zone holds four of them). */
    public static final long MAX_RCVBUF = 256L << 20;
    /** The largest page pool. */
    public static final int MAX_PAGE_POOL = 1 << 20;
    /** The largest {@code skb_defer_max} accepted. */
    public static final int MAX_DEFER_MAX = 1 << 20;

    /**
     * @throws IllegalArgumentException naming the first value out of range
     */
    public FlowConfig {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(dma, "dma");
        check("cpus", cpus, 1, MachineConfig.MAX_CPUS);
        check("NIC cpu", nicCpu, 0, cpus - 1);
        check("reader cpu", readerCpu, 0, cpus - 1);
        check("GRO size", groSize, PageAllocator.PAGE_SIZE, MAX_GRO_SIZE);
        if (groSize % PageAllocator.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("GRO size " + groSize + " is not a whole number of "
                    + PageAllocator.PAGE_SIZE + "-byte fragments (allowed: multiples of " + PageAllocator.PAGE_SIZE + ")");
        }
        check("rcvbuf", rcvbuf, PageAllocator.PAGE_SIZE, MAX_RCVBUF);
        check("page pool size", pagePoolSize, 0, MAX_PAGE_POOL);
        check("defer max", deferMax, 0, MAX_DEFER_MAX);
    }

    /** @return the seed's set-up with the seed's fix: {@code PER_CPU_LOCKED} */
    public static FlowConfig defaults() {
        return new FlowConfig(2, 0, 1, 64 << 10, 16L << 20, PagePool.DEFAULT_SIZE, DeferLists.DEFAULT_DEFER_MAX,
                DeferVariant.PER_CPU_LOCKED, LockKind.TTAS, true, Dma.HEADERS);
    }

    /** @param v the variant @return this set-up with it */
    public FlowConfig withVariant(DeferVariant v) {
        return new FlowConfig(cpus, nicCpu, readerCpu, groSize, rcvbuf, pagePoolSize, deferMax, v, lock, pin, dma);
    }

    /** @param n the CPUs @param nic the NIC's CPU @param reader the reader's CPU @return this set-up with them */
    public FlowConfig withCpus(int n, int nic, int reader) {
        return new FlowConfig(n, nic, reader, groSize, rcvbuf, pagePoolSize, deferMax, variant, lock, pin, dma);
    }

    /** @param bytes the GRO size @param buffer the receive buffer @return this set-up with them */
    public FlowConfig withSizes(int bytes, long buffer) {
        return new FlowConfig(cpus, nicCpu, readerCpu, bytes, buffer, pagePoolSize, deferMax, variant, lock, pin, dma);
    }

    /** @param pool the page pool size @param max the defer max @return this set-up with them */
    public FlowConfig withPoolAndDeferMax(int pool, int max) {
        return new FlowConfig(cpus, nicCpu, readerCpu, groSize, rcvbuf, pool, max, variant, lock, pin, dma);
    }

    /** @param kind the lock @param pinned whether to pin @return this set-up with them */
    public FlowConfig withLockAndPin(LockKind kind, boolean pinned) {
        return new FlowConfig(cpus, nicCpu, readerCpu, groSize, rcvbuf, pagePoolSize, deferMax, variant, kind, pinned, dma);
    }

    /** @param who who writes the payload @return this set-up with it */
    public FlowConfig withDma(Dma who) {
        return new FlowConfig(cpus, nicCpu, readerCpu, groSize, rcvbuf, pagePoolSize, deferMax, variant, lock, pin, who);
    }

    /** @return page fragments per skb */
    public int fragsPerSkb() {
        return groSize / PageAllocator.PAGE_SIZE;
    }

    /**
     * The zone's size: four receive buffers, so that the socket, the per-CPU lists, the pool and the
     * defer lists can all be full at once and the NIC still finds memory, rounded up to whole 4 MB blocks.
     *
     * @return pages in the zone
     */
    public int zonePages() {
        long pages = 4 * rcvbuf / PageAllocator.PAGE_SIZE + 4L * fragsPerSkb() + pagePoolSize
                + (long) cpus * PageAllocator.DEFAULT_HIGH;
        long block = 1L << PageAllocator.MAX_ORDER;
        return (int) Math.min(PageAllocator.MAX_PAGES, (pages + block - 1) / block * block);
    }

    private static void check(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " " + value + " is out of range (allowed: " + min + ".." + max + ")");
        }
    }
}
