package org.percpudefer.cpu;

/**
 * Where one simulated CPU's thread runs, as found after it tried to pin itself.
 *
 * @param cpu    the simulated CPU
 * @param core   the real core its thread is pinned to, or {@code -1} when it is not pinned
 * @param shared whether another simulated CPU is pinned to the same core (more simulated CPUs than
 *               allowed cores: round-robin)
 * @param detail how pinning went, in words ({@code "sched_setaffinity"}, or why it was refused)
 */
public record Pinning(int cpu, int core, boolean shared, String detail) {

    /** @return whether the thread is pinned to exactly one core, as verified by reading its affinity back */
    public boolean pinned() {
        return core >= 0;
    }
}
