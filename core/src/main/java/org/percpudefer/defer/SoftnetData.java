package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.percpudefer.cpu.CallSingleData;

/**
 * One CPU's defer state, the part of the kernel's {@code struct softnet_data} this project emulates: the
 * defer lock, the list head, the count, {@code ipiScheduled} and the call-single-data of the kick, on
 * cache lines of their own (padding before and after, 128 bytes each, so two CPUs' states never share a
 * line, whichever way the heap places them). Also references to the CPU's {@code BATCHED} outgoing
 * batches and its {@code PER_NODE} per-node lists, each in objects of their own.
 */
final class SoftnetData extends SoftnetFields {
    long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15, q16;

    SoftnetData(int cpu, DeferLock lock, int nodes) {
        super(cpu, lock, nodes);
    }

    /**
     * A producer's outgoing batches ({@code BATCHED}); the producer's thread only. Made at its first
     * deferral, and each target's batch at its first deferral there: memory follows the CPUs that defer
     * and the pairs that do, not the square of the CPU count (a pool of 65536 owners made 4.3 billion
     * batches). What stays per producer: the two arrays below, 8 bytes per CPU.
     */
    static final class Outgoing {
        /** Null for a target never deferred to. */
        final Batch[] batches;
        /** Targets whose batch may be non-empty: a stack, popped by the hand-over of all batches. */
        final int[] pendingTargets;
        int pendingCount;

        Outgoing(int cpus) {
            batches = new Batch[cpus];
            pendingTargets = new int[cpus];
        }

        Batch batch(int target) {
            Batch b = batches[target];
            if (b == null) {
                b = new Batch();
                batches[target] = b;
            }
            return b;
        }
    }

    /** A producer's pending objects for one target CPU ({@code BATCHED}); the producer's thread only. */
    static final class Batch {
        Deferrable head;
        Deferrable tail;
        int count;
        /** Listed in pendingTargets (until the next hand-over of all batches). */
        boolean pending;
    }
}

/** Padding before the fields. */
abstract class SoftnetPad {
    /** Fills the 4-byte hole after a compressed header, where HotSpot would otherwise put a subclass's int. */
    int p00;
    long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
}

/** The fields, with their accessors named by ordering (see org.percpudefer.ordering). */
abstract class SoftnetFields extends SoftnetPad {

    private static final VarHandle DEFER_LIST = DeferLock.handle(MethodHandles.lookup(), "deferList", Deferrable.class);
    private static final VarHandle DEFER_COUNT = DeferLock.handle(MethodHandles.lookup(), "deferCount", int.class);
    private static final VarHandle IPI_SCHEDULED = DeferLock.handle(MethodHandles.lookup(), "ipiScheduled", int.class);

    final int cpu;
    /** The defer lock; null means the object's monitor ({@link LockKind#SYNCHRONIZED}). */
    final DeferLock lock;
    /** PER_NODE only: one list per producer node, each on its own lines. */
    final DeferNode[] nodes;
    /**
     * BATCHED only, this CPU's thread only: its outgoing batches, null until its first deferral. A separate
     * object, so that the producer's own writes never share a line with the fields other CPUs write here.
     * Plain: a thread that drains this CPU's batches for it (offline, retired, closed) is ordered after
     * the CPU's thread by what orders the batches' own plain fields.
     */
    SoftnetData.Outgoing outgoing;
    /** Set once the lists are installed: the kick, which raises NET_RX here. */
    CallSingleData deferCsd;

    /*
     * The locked variants' list head and count (PER_CPU_LOCKED, BATCHED); the lock-free and per-socket
     * variants keep theirs in nodes, so no cmpxchg, xchg or atomic_inc_return is needed on these.
     */
    @SuppressWarnings("unused") // DEFER_LIST
    private Deferrable deferList;
    @SuppressWarnings("unused") // DEFER_COUNT
    private int deferCount;
    @SuppressWarnings("unused") // IPI_SCHEDULED
    private int ipiScheduled;

    SoftnetFields(int cpu, DeferLock lock, int nodes) {
        this.cpu = cpu;
        this.lock = lock;
        this.nodes = new DeferNode[nodes];
        for (int n = 0; n < nodes; n++) {
            this.nodes[n] = new DeferNode();
        }
    }

    /** READ_ONCE(sd->defer_list). */
    final Deferrable deferListOnce() {
        return (Deferrable) DEFER_LIST.getOpaque(this);
    }

    /** WRITE_ONCE(sd->defer_list, v). */
    final void setDeferListOnce(Deferrable value) {
        DEFER_LIST.setOpaque(this, value);
    }

    /** READ_ONCE(sd->defer_count). */
    final int deferCountOnce() {
        return (int) DEFER_COUNT.getOpaque(this);
    }

    /** WRITE_ONCE(sd->defer_count, v). */
    final void setDeferCountOnce(int value) {
        DEFER_COUNT.setOpaque(this, value);
    }

    /** cmpxchg(&sd->defer_ipi_scheduled, expect, update) == expect. */
    final boolean cmpxchgIpiScheduled(int expect, int update) {
        return IPI_SCHEDULED.compareAndSet(this, expect, update);
    }

    /** smp_store_release(&sd->defer_ipi_scheduled, v). */
    final void setIpiScheduledRelease(int value) {
        IPI_SCHEDULED.setRelease(this, value);
    }

    /** READ_ONCE(sd->defer_ipi_scheduled). */
    final int ipiScheduledOnce() {
        return (int) IPI_SCHEDULED.getOpaque(this);
    }
}
