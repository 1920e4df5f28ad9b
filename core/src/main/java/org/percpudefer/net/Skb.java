package org.percpudefer.net;

import org.percpudefer.defer.Deferrable;

/**
 * A socket buffer: the metadata of one received (GRO) packet, whose payload lives in page fragments.
 * It remembers the CPU that allocated it ({@link #allocCpu()}), so that it can go home on the defer
 * lists to be freed there. Made and recycled by a {@link SlabCache}; one owner at a time, handed between
 * CPUs through the socket queue and the defer lists, which order the plain fields.
 */
public final class Skb extends Deferrable {

    final int[] frags;
    int nrFrags;
    /** Payload bytes in the fragments. */
    int len;
    /** Bytes charged to the socket: whole pages. */
    int truesize;
    /** The byte the NIC wrote over the payload, checked by the reader. */
    byte stamp;

    Skb(int maxFrags) {
        frags = new int[maxFrags];
    }

    /** @return payload bytes */
    public int len() {
        return len;
    }

    /** @return page fragments attached */
    public int nrFrags() {
        return nrFrags;
    }
}
