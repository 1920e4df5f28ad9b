package org.percpudefer.stress;

import java.util.Objects;

import org.percpudefer.cpu.MachineConfig;
import org.percpudefer.defer.DeferVariant;
import org.percpudefer.defer.LockKind;

/**
 * The set-up of one stress run of one variant ({@link Stress#run}).
 *
 * @param cpus       simulated CPUs, {@code 2..}{@value MachineConfig#MAX_CPUS}
 * @param objects    objects to allocate and free before stopping, {@code >= 1}
 * @param seconds    wall-clock limit in seconds, {@code 0} for none; the run stops at whichever comes first
 * @param variant    the defer variant
 * @param lock       the defer lock of the locked variants
 * @param seed       the seed of every random choice (roles, bursts, hotplug, {@code deferMax}, faults)
 * @param accounting whether every move is checked by a {@link org.percpudefer.defer.Ledger}
 * @param faults     whether hosted tasks throw at random (and are re-hosted), to show nothing is stranded
 * @param pin        whether to pin the CPUs' threads
 */
public record StressConfig(int cpus, long objects, int seconds, DeferVariant variant, LockKind lock, long seed,
        boolean accounting, boolean faults, boolean pin) {

    /** Most objects each CPU may have allocated at once (its slab). */
    public static final int POPULATION_PER_CPU = 1024;
    /** The longest run, in seconds. */
    public static final int MAX_SECONDS = 86_400;

    /**
     * @throws IllegalArgumentException naming the bad value
     * @throws NullPointerException     if {@code variant} or {@code lock} is null
     */
    public StressConfig {
        if (cpus < 2 || cpus > MachineConfig.MAX_CPUS) {
            throw new IllegalArgumentException("cpus " + cpus + " is out of range (allowed: 2.." + MachineConfig.MAX_CPUS
                    + "; a stress run needs a CPU to free on besides the allocating one)");
        }
        if (objects < 1) {
            throw new IllegalArgumentException("objects " + objects + " is out of range (allowed: 1.." + Long.MAX_VALUE + ")");
        }
        if (seconds < 0 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("seconds " + seconds + " is out of range (allowed: 0.." + MAX_SECONDS
                    + "; 0 for no time limit)");
        }
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(lock, "lock");
    }

    /**
     * The defaults: 4 CPUs, accounting and faults on, pinned, TTAS, seed 1, no time limit.
     *
     * @param variant the defer variant
     * @param objects objects to allocate and free
     * @return the set-up
     */
    public static StressConfig of(DeferVariant variant, long objects) {
        return new StressConfig(4, objects, 0, variant, LockKind.TTAS, 1, true, true, true);
    }

    /** @return a copy with {@code cpus} */
    public StressConfig withCpus(int cpus) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }

    /** @return a copy with a wall-clock limit of {@code seconds} ({@code 0}: none) */
    public StressConfig withSeconds(int seconds) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }

    /** @return a copy with {@code lock} */
    public StressConfig withLock(LockKind lock) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }

    /** @return a copy with {@code seed} */
    public StressConfig withSeed(long seed) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }

    /** @return a copy with accounting on or off */
    public StressConfig withAccounting(boolean accounting) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }

    /** @return a copy with injected faults on or off */
    public StressConfig withFaults(boolean faults) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }

    /** @return a copy with pinning on or off */
    public StressConfig withPin(boolean pin) {
        return new StressConfig(cpus, objects, seconds, variant, lock, seed, accounting, faults, pin);
    }
}
