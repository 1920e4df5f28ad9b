package org.percpudefer.stress;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * How the stress controller stops its producers for good: a producer {@link #enter}s before it allocates and
 * {@link #exit}s after; once the controller has {@link #stop}ped the gate and then seen it {@link #quiet},
 * no producer allocates again, so the counts it reads next are final.
 *
 * <p>It is store buffering on both sides: the producer stores {@code busy = 1} then loads {@code stopped}; the
 * controller stores {@code stopped = true} then loads every {@code busy}. Both pairs are volatile
 * (sequentially consistent: each store is followed by the equivalent of {@code smp_mb}), so the two sides
 * cannot both miss each other: either the producer sees the stop and allocates nothing, or the controller
 * sees it busy and waits (LKMM {@code SB+fencembonceonces}: Never). jcstress {@code stress.StopGateRace}
 * tests this class and shows a release/acquire copy letting both miss. The {@code exit} store is a release
 * (volatile), so a controller that sees a producer out also sees every count it wrote before.
 */
final class StopGate {

    private final AtomicIntegerArray busy;
    private volatile boolean stopped;

    StopGate(int producers) {
        busy = new AtomicIntegerArray(producers);
    }

    /** @return whether producer {@code p} may allocate; if true, it must call {@link #exit} when done */
    boolean enter(int p) {
        busy.set(p, 1); // smp_store_mb (volatile), then the volatile load of stopped: SB with stop()/quiet()
        if (stopped) {
            busy.set(p, 0);
            return false;
        }
        return true;
    }

    /** Producer {@code p} is done allocating: a release of everything it wrote before. */
    void exit(int p) {
        busy.set(p, 0);
    }

    /** No producer may enter from now on. */
    void stop() {
        stopped = true;
    }

    /** @return after {@link #stop()}: whether no producer is inside (and none will enter again) */
    boolean quiet() {
        for (int p = 0; p < busy.length(); p++) {
            if (busy.get(p) != 0) {
                return false;
            }
        }
        return true;
    }
}
