package org.percpudefer.net;

import java.util.Objects;
import java.util.function.Supplier;

import org.percpudefer.cpu.Activity;
import org.percpudefer.cpu.Cpu;
import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.ordering.SpinLock;

/**
 * An object cache shaped like the kernel's slab allocator: a magazine of free objects per CPU, used
 * without any lock by its own CPU, and a shared depot under one lock. A CPU that frees more than it
 * allocates fills its magazine and spills half of it to the depot; a CPU that allocates more than it
 * frees empties its magazine and refills half of one from the depot (or makes new objects when the depot
 * is empty). So freeing on the wrong CPU costs what it costs in the kernel: real trips through a shared
 * lock, taken by two CPUs, with the cache lines of the objects moving between them.
 *
 * <p>Thread contract: {@code alloc(cpu)} and {@code free(cpu, obj)} for CPU {@code cpu} only on that
 * CPU's thread; {@code cpu == -1} (any other thread) goes straight to the depot.
 *
 * @param <T> the cached object type
 */
public final class SlabCache<T> {

    /** The largest magazine. */
    static final int MAX_MAGAZINE = 1 << 20;

    private final Supplier<T> factory;
    private final Object[][] magazines;
    /** This CPU's thread only: objects in its magazine. */
    private final int[] rounds;
    private final int magazine;
    /**
     * The slab's list_lock: a spinlock, as in the kernel. Its acquire/release orders a spill against a
     * refill on another CPU (jcstress SlabDepotRace; its WithoutDepotLock copy loses objects).
     */
    private final SpinLock depotLock = new SpinLock();
    /** Guarded by depotLock. */
    private Object[] depot = new Object[64];
    private int depotSize;
    private long depotLocks;
    private long depotContended;
    private long created;

    /**
     * @param cpus     simulated CPUs, one magazine each, {@code 1..}{@value MachineConfig#MAX_CPUS}
     * @param magazine objects a magazine holds, {@code 2..}{@value #MAX_MAGAZINE}
     * @param factory  makes a new object when the CPU's magazine and the depot are empty; not null
     * @throws IllegalArgumentException if {@code cpus} or {@code magazine} is out of range
     */
    public SlabCache(int cpus, int magazine, Supplier<T> factory) {
        if (cpus < 1 || cpus > MachineConfig.MAX_CPUS) {
            throw new IllegalArgumentException("cpus " + cpus + " is out of range (allowed: 1.." + MachineConfig.MAX_CPUS + ")");
        }
        if (magazine < 2 || magazine > MAX_MAGAZINE) {
            throw new IllegalArgumentException("magazine " + magazine + " is out of range (allowed: 2.." + MAX_MAGAZINE + ")");
        }
        this.factory = Objects.requireNonNull(factory, "factory");
        this.magazine = magazine;
        this.magazines = new Object[cpus][magazine];
        this.rounds = new int[cpus];
    }

    /**
     * @param cpu the calling CPU, {@code 0..cpus - 1}, or {@code -1} for any other thread
     * @return an object, from this CPU's magazine if it has one
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    @SuppressWarnings("unchecked") // only T is ever stored
    public T alloc(int cpu) {
        if (checkCpu(cpu) < 0) {
            return fromDepot();
        }
        if (rounds[cpu] == 0) {
            refill(cpu);
        }
        if (rounds[cpu] == 0) {
            lockDepot();
            try {
                created++;
            } finally {
                depotLock.unlock();
            }
            return factory.get();
        }
        Object[] mag = magazines[cpu];
        T obj = (T) mag[--rounds[cpu]];
        mag[rounds[cpu]] = null;
        return obj;
    }

    /**
     * Returns an object to this CPU's magazine, spilling half of it to the depot when full.
     *
     * @param cpu the calling CPU, {@code 0..cpus - 1}, or {@code -1} for any other thread (straight to the depot)
     * @param obj the object; not null
     * @throws IllegalArgumentException if {@code cpu} is out of range
     */
    public void free(int cpu, T obj) {
        Objects.requireNonNull(obj, "obj"); // a null in a magazine would come back from alloc()
        if (checkCpu(cpu) < 0) {
            toDepot(obj);
            return;
        }
        if (rounds[cpu] == magazine) {
            spill(cpu);
        }
        magazines[cpu][rounds[cpu]++] = obj;
    }

    /** @return depot lock acquisitions so far (read after the CPUs are quiet, or as a racy snapshot) */
    public long depotLocks() {
        depotLock.lock();
        try {
            return depotLocks;
        } finally {
            depotLock.unlock();
        }
    }

    /** @return depot lock acquisitions that found it held by another CPU */
    public long depotContended() {
        depotLock.lock();
        try {
            return depotContended;
        } finally {
            depotLock.unlock();
        }
    }

    /** @return objects the factory made because no free one was at hand */
    public long created() {
        depotLock.lock();
        try {
            return created;
        } finally {
            depotLock.unlock();
        }
    }

    /** @return free objects held, in the magazines and the depot (after the CPUs are quiet) */
    public long cached() {
        long n = 0;
        for (int r : rounds) {
            n += r;
        }
        depotLock.lock();
        try {
            return n + depotSize;
        } finally {
            depotLock.unlock();
        }
    }

    private int checkCpu(int cpu) {
        if (cpu < -1 || cpu >= rounds.length) {
            throw new IllegalArgumentException("cpu " + cpu + " is out of range (allowed: 0.." + (rounds.length - 1)
                    + ", or -1 for a thread that is no CPU)");
        }
        return cpu;
    }

    private void lockDepot() {
        if (depotLock.lock()) {
            depotContended++;
        }
        depotLocks++;
    }

    private void refill(int cpu) {
        Object[] mag = magazines[cpu];
        Cpu self = Cpu.currentOrNull();
        int was = self == null ? 0 : self.enter(Activity.SLAB_DEPOT);
        lockDepot();
        try {
            int n = Math.min(magazine / 2, depotSize);
            for (int i = 0; i < n; i++) {
                mag[rounds[cpu]++] = depot[--depotSize];
                depot[depotSize] = null;
            }
        } finally {
            depotLock.unlock();
            if (self != null) {
                self.restore(was);
            }
        }
    }

    private void spill(int cpu) {
        Object[] mag = magazines[cpu];
        int n = magazine / 2;
        Cpu self = Cpu.currentOrNull();
        int was = self == null ? 0 : self.enter(Activity.SLAB_DEPOT);
        lockDepot();
        try {
            ensureDepot(n);
            for (int i = 0; i < n; i++) {
                depot[depotSize++] = mag[--rounds[cpu]];
                mag[rounds[cpu]] = null;
            }
        } finally {
            depotLock.unlock();
            if (self != null) {
                self.restore(was);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private T fromDepot() {
        lockDepot();
        try {
            if (depotSize > 0) {
                T obj = (T) depot[--depotSize];
                depot[depotSize] = null;
                return obj;
            }
            created++;
        } finally {
            depotLock.unlock();
        }
        return factory.get();
    }

    private void toDepot(T obj) {
        lockDepot();
        try {
            ensureDepot(1);
            depot[depotSize++] = obj;
        } finally {
            depotLock.unlock();
        }
    }

    private void ensureDepot(int more) {
        if (depotSize + more > depot.length) {
            depot = java.util.Arrays.copyOf(depot, Math.max(depot.length * 2, depotSize + more));
        }
    }
}
