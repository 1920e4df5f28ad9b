package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One (allocating CPU, producer node) lock-free list of {@link DeferVariant#PER_NODE}, the kernel's
 * {@code struct skb_defer_node}: an llist and an atomic count, padded onto lines of its own.
 */
final class DeferNode extends DeferNodeFields {
    long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15, q16;
}

/** Padding before the fields. */
abstract class DeferNodePad {
    /** Fills the 4-byte hole after a compressed header, where HotSpot would otherwise put a subclass's int. */
    int p00;
    long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
}

/** The fields and their accessors. */
abstract class DeferNodeFields extends DeferNodePad {
    private static final VarHandle LIST = DeferLock.handle(MethodHandles.lookup(), "list", Deferrable.class);
    private static final VarHandle COUNT = DeferLock.handle(MethodHandles.lookup(), "count", int.class);

    @SuppressWarnings("unused") // LIST
    private Deferrable list;
    @SuppressWarnings("unused") // COUNT
    private int count;

    /** READ_ONCE(sdn->defer_list). */
    final Deferrable listOnce() {
        return (Deferrable) LIST.getOpaque(this);
    }

    /** cmpxchg(&sdn->defer_list, expect, update) == expect. */
    final boolean cmpxchgList(Deferrable expect, Deferrable update) {
        return LIST.compareAndSet(this, expect, update);
    }

    /** xchg(&sdn->defer_list, v). */
    final Deferrable xchgList(Deferrable value) {
        return (Deferrable) LIST.getAndSet(this, value);
    }

    /** atomic_read(&sdn->defer_count). */
    final int countOnce() {
        return (int) COUNT.getOpaque(this);
    }

    /** atomic_sub(n, &sdn->defer_count). */
    final void subCount(int n) {
        COUNT.getAndAdd(this, -n);
    }

    /** atomic_inc_return(&sdn->defer_count). */
    final int incReturnCount() {
        return (int) COUNT.getAndAdd(this, 1) + 1;
    }
}
