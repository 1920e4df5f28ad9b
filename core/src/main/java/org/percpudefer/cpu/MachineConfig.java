package org.percpudefer.cpu;

/**
 * How to boot a {@link Machine}. Immutable; start from {@link #of(int)} and adjust with the
 * {@code with...} methods. Every value is validated when the config is made, and a bad one is rejected
 * with an {@link IllegalArgumentException} that names it and the allowed range.
 *
 * @param cpus       simulated CPUs, {@code 1..}{@value #MAX_CPUS}; each is one platform thread
 * @param nodes      emulated NUMA nodes, {@code 1..cpus}; CPUs are split into contiguous blocks
 * @param pin        whether each CPU thread pins itself to a real core (round-robin over the allowed
 *                   cores when there are more CPUs than cores)
 * @param idleSpins  idle rounds a CPU spins ({@link Thread#onSpinWait()}) before it starts yielding
 * @param idleYields idle rounds a CPU yields after spinning, before it parks until woken; with both at
 *                   {@code 0} an idle CPU parks at once, so every IPI pays for a real wakeup
 */
public record MachineConfig(int cpus, int nodes, boolean pin, int idleSpins, int idleYields) {

    /** The most simulated CPUs a machine can have: glibc's CPU_SETSIZE, the most cores it can pin to. */
    public static final int MAX_CPUS = Affinity.MAX_CORES;
    /** The most idle rounds of either kind. */
    public static final int MAX_IDLE_ROUNDS = 1_000_000;
    /** Default idle spins: a CPU polls for a few microseconds before it backs off. */
    public static final int DEFAULT_IDLE_SPINS = 64;
    /** Default idle yields. */
    public static final int DEFAULT_IDLE_YIELDS = 16;

    /**
     * Validates every component.
     *
     * @param cpus       simulated CPUs
     * @param nodes      emulated NUMA nodes
     * @param pin        whether CPU threads pin themselves
     * @param idleSpins  idle rounds spent spinning
     * @param idleYields idle rounds spent yielding
     */
    public MachineConfig {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("cpus " + cpus + " is out of range (allowed: 1.." + MAX_CPUS + ")");
        }
        if (nodes < 1 || nodes > cpus) {
            throw new IllegalArgumentException(
                    "nodes " + nodes + " is out of range (allowed: 1..cpus, and cpus is " + cpus + ")");
        }
        if (idleSpins < 0 || idleSpins > MAX_IDLE_ROUNDS) {
            throw new IllegalArgumentException(
                    "idleSpins " + idleSpins + " is out of range (allowed: 0.." + MAX_IDLE_ROUNDS + ")");
        }
        if (idleYields < 0 || idleYields > MAX_IDLE_ROUNDS) {
            throw new IllegalArgumentException(
                    "idleYields " + idleYields + " is out of range (allowed: 0.." + MAX_IDLE_ROUNDS + ")");
        }
    }

    /**
     * {@code cpus} CPUs on one node, pinned, with the default idle back-off.
     *
     * @param cpus simulated CPUs, {@code 1..}{@value #MAX_CPUS}
     * @return the config
     */
    public static MachineConfig of(int cpus) {
        return new MachineConfig(cpus, 1, true, DEFAULT_IDLE_SPINS, DEFAULT_IDLE_YIELDS);
    }

    /**
     * One simulated CPU per core this process may run on.
     *
     * @return the config
     */
    public static MachineConfig ofAvailableCores() {
        return of(Math.min(MAX_CPUS, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * @param nodes emulated NUMA nodes, {@code 1..cpus}
     * @return a copy with that many nodes
     */
    public MachineConfig withNodes(int nodes) {
        return new MachineConfig(cpus, nodes, pin, idleSpins, idleYields);
    }

    /**
     * @param pin whether CPU threads pin themselves to cores
     * @return a copy with pinning on or off
     */
    public MachineConfig withPin(boolean pin) {
        return new MachineConfig(cpus, nodes, pin, idleSpins, idleYields);
    }

    /**
     * @param spins  idle rounds spent spinning, {@code 0..}{@value #MAX_IDLE_ROUNDS}
     * @param yields idle rounds spent yielding afterwards, {@code 0..}{@value #MAX_IDLE_ROUNDS}
     * @return a copy with that idle back-off before parking
     */
    public MachineConfig withIdle(int spins, int yields) {
        return new MachineConfig(cpus, nodes, pin, spins, yields);
    }

    /**
     * @return a copy whose idle CPUs park at once (every IPI to an idle CPU is a real wakeup)
     */
    public MachineConfig withParkAtOnce() {
        return withIdle(0, 0);
    }
}
