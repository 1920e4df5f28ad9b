package org.percpudefer.cpu;

/**
 * Housekeeping a subsystem asks every CPU of a machine to run at one point of its life, on the CPU's own
 * thread: before it parks ({@link Machine#addIdleHook}) or when it goes offline
 * ({@link Machine#addOfflineHook}). The defer lists use both: an idle CPU flushes what was deferred to
 * it before it sleeps, and a CPU going offline drains its list.
 */
@FunctionalInterface
public interface CpuHook {

    /**
     * Runs on {@code cpu}'s own thread.
     *
     * @param cpu the CPU; always {@link Cpu#current()}
     * @return units of work done; an idle hook that did work keeps the CPU awake for another pass
     */
    int run(Cpu cpu);
}
