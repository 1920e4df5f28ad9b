package org.percpudefer.defer;

import java.util.concurrent.atomic.AtomicInteger;

import org.percpudefer.cpu.Machine;
import org.percpudefer.cpu.MachineConfig;

/**
 * Shipping defer lists on a {@link Machine#detached detached} machine of three CPUs: CPU 0 allocates,
 * CPUs 1 and 2 defer; jcstress actors play each CPU by calling the shipping producer and owner paths
 * ({@code defer(cpu, obj)}, {@code flushOn(cpu)}) from their own threads.
 */
final class Fixture {

    /** A test object that counts its frees (atomically, so a double free is seen, not lost). */
    static final class Obj extends Deferrable {
        final AtomicInteger frees = new AtomicInteger();

        Obj() {
            allocatedOn(0);
        }
    }

    private Fixture() {
    }

    static DeferLists<Obj> lists(DeferVariant variant, LockKind lock, int deferMax) {
        DeferLists<Obj> lists = DeferLists.install(Machine.detached(MachineConfig.of(3)), variant, lock,
                obj -> obj.frees.incrementAndGet());
        lists.setDeferMax(deferMax);
        return lists;
    }

    /** For the weakened copies: frees every object of a taken list, and returns how many. */
    static int freeAll(Deferrable list) {
        int n = 0;
        for (Deferrable d = list; d != null; d = d.next) {
            ((Obj) d).frees.incrementAndGet();
            n++;
        }
        return n;
    }

    /** Frees of both objects, as one number per object: 11 means each freed exactly once. */
    static int frees(Obj a, Obj b) {
        return a.frees.get() * 10 + b.frees.get();
    }
}
