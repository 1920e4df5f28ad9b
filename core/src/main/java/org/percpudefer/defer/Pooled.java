package org.percpudefer.defer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An object a {@link DeferPool} recycles: extend it. It carries the defer lists' intrusive link and
 * owner number ({@link Deferrable}), the pool it belongs to, and who holds it, which is how a second
 * release of the same object, or a release to the wrong pool, is caught.
 */
public abstract class Pooled extends Deferrable {

    /** {@link #holder} of a free object. */
    static final int FREE = 0;
    /** {@link #holder} of an object an unregistered thread acquired. */
    static final int GUEST = -1;

    private static final VarHandle HOLDER;

    static {
        try {
            HOLDER = MethodHandles.lookup().findVarHandle(Pooled.class, "holder", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The pool that made it; written before the factory returns it. Read only to name an error, and by
     * an unregistered thread's release.
     */
    DeferPool<?> pool;
    /**
     * Who holds it: {@link #FREE} while it is free (cached, on a defer list, in flight home); between
     * acquire and release, the acquiring owner's slot number + 1, or {@link #GUEST} for an object an
     * unregistered thread acquired. With {@link #pool} it does a release's checks: the releasing owner's
     * own number is the local path; another number is a remote release; FREE is a double release.
     *
     * <p>An int, not a reference to the owner, on purpose: a reference store into a long-lived object
     * costs G1's post-write barrier (a StoreLoad fence when the card is not young), twice per
     * acquire/release; an int store costs nothing (measured: {@code PoolBenchmark.same} at 64 KB, where
     * the pool's objects are old, ran at half speed with the reference).
     *
     * <p>The owner's accesses are plain: its acquire writes it, and the user's hand-off to another thread
     * (a queue, a lock: release/acquire) publishes it with the object, so that thread's release reads it
     * (the jcstress ladder {@code LadderRemoteRelease.HandOff}); its own release reads what it wrote. Plain,
     * not WRITE_ONCE/READ_ONCE, so that C2 keeps the owner's fast path free to reorder (opaque accesses
     * are compiler barriers; measured, {@code PoolBenchmark.same}). A release by the holder therefore
     * catches a repeated release on the owner but not one racing another thread's; a release by any
     * other thread reads it with READ_ONCE and clears it with cmpxchg, so of two such releases exactly
     * one wins (jcstress {@code PoolDoubleRelease}).
     */
    int holder;

    /** For subclasses. */
    protected Pooled() {
    }

    /** @return whether the object is between an acquire and its release (a snapshot) */
    public final boolean inUse() {
        return holderOnce() != FREE;
    }

    /** READ_ONCE(holder). */
    final int holderOnce() {
        return (int) HOLDER.getOpaque(this);
    }

    /** WRITE_ONCE(holder, h). */
    final void setHolderOnce(int h) {
        HOLDER.setOpaque(this, h);
    }

    /** cmpxchg(&holder, expected, FREE) == expected: the one release that wins. */
    final boolean cmpxchgRelease(int expected) {
        return HOLDER.compareAndSet(this, expected, FREE);
    }
}
