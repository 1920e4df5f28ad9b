package org.percpudefer.net;

/**
 * Who writes a received packet's payload into its pages.
 */
public enum Dma {
    /**
     * The NIC's DMA engine writes the payload, as on real hardware, costing the NIC's CPU nothing; the
     * CPU writes what the driver and the stack touch themselves: each fragment's first and last cache
     * line (headers, and the stamp the reader checks). The bytes in between are what the page last held,
     * and the reader copies every one of them. The default: it leaves the NIC's CPU the headroom it has
     * in the seed's experiment.
     */
    HEADERS,
    /**
     * The NIC's CPU writes every payload byte itself, as a NIC without DMA would make it: the receive
     * side then costs about as much as the reader's copy, and it becomes the bottleneck once deferral
     * moves the frees there too.
     */
    CPU
}
