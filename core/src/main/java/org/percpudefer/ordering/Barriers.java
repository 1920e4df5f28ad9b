package org.percpudefer.ordering;

import java.lang.invoke.VarHandle;

/**
 * The kernel's stand-alone memory barriers, by their kernel names. See the {@linkplain
 * org.percpudefer.ordering package table} for how each maps onto the Java memory model and why.
 */
public final class Barriers {

    private Barriers() {
    }

    /** {@code smp_mb()}: no load or store moves across it in either direction, store-to-load included. */
    public static void smpMb() {
        VarHandle.fullFence();
    }

    /** {@code smp_wmb()}: earlier stores are ordered before later stores (here: and earlier loads too). */
    public static void smpWmb() {
        VarHandle.releaseFence();
    }

    /** {@code smp_rmb()}: earlier loads are ordered before later loads (here: and later stores too). */
    public static void smpRmb() {
        VarHandle.acquireFence();
    }
}
