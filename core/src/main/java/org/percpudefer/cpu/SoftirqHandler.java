package org.percpudefer.cpu;

/**
 * A softirq action, registered once per machine with {@link Machine#openSoftirq(int, SoftirqHandler)}
 * (the kernel's {@code open_softirq}) and run on every CPU where that softirq is raised.
 *
 * <p>It runs on the CPU's own thread, after the pending IPIs and before the hosted task's next step. A
 * softirq raised again while its handler runs is run on the next pass of the CPU loop, so a handler
 * that keeps raising itself cannot starve IPIs or the task.
 */
@FunctionalInterface
public interface SoftirqHandler {

    /**
     * Runs the action on {@code cpu}.
     *
     * @param cpu the CPU the softirq was raised on; always {@link Cpu#current()}
     */
    void run(Cpu cpu);
}
