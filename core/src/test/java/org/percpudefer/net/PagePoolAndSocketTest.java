package org.percpudefer.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PagePoolAndSocketTest {

    @Test
    void thePool_recyclesOnlyOnItsOwnCpu_inNapi_whileItHasRoom() {
        PageAllocator z = new PageAllocator(2, 64, 8, 4);
        PagePool pool = new PagePool(z, 0, 2);
        int a = pool.alloc();
        int b = pool.alloc();
        int c = pool.alloc();
        int d = pool.alloc();
        int e = pool.alloc();
        assertThat(pool.fromAllocator()).isEqualTo(5);

        pool.put(a, 1, true); // another CPU: to its page list
        pool.put(b, 0, false); // own CPU, process context: to the page list
        assertThat(pool.recycled()).isZero();
        assertThat(z.pcpCount(1)).isEqualTo(1);

        pool.put(c, 0, true);
        pool.put(d, 0, true);
        pool.put(e, 0, true); // no room left after c and d: e to the page list
        assertThat(pool.recycled()).isEqualTo(2);
        assertThat(pool.cached()).isEqualTo(2);
        assertThat(z.pcpCount(0)).isEqualTo(3 + 2); // what the second refill left after e, then b and e
        assertThat(pool.alloc()).isEqualTo(d); // recycled, most recent first
        assertThat(pool.fromAllocator()).isEqualTo(5);
    }

    @Test
    void aPoolOfSizeZero_neverRecycles() {
        PageAllocator z = new PageAllocator(1, 16, 8, 4);
        PagePool pool = new PagePool(z, 0, 0);
        pool.put(pool.alloc(), 0, true);
        assertThat(pool.recycled()).isZero();
        assertThatThrownBy(() -> new PagePool(z, 0, -1)).hasMessageContaining("page pool size -1");
    }

    @Test
    void theSocket_admitsUpToRcvbuf_andOpensAsTheReaderUncharges() {
        Socket s = new Socket(3 * 4096, 4096);
        Skb skb = new Skb(1);
        skb.truesize = 4096;

        assertThat(s.tryQueue(skb)).isTrue();
        assertThat(s.tryQueue(skb)).isTrue();
        assertThat(s.tryQueue(skb)).isTrue();
        assertThat(s.hasRoom(4096)).isFalse();
        assertThat(s.tryQueue(skb)).isFalse();
        assertThat(s.charged()).isEqualTo(3 * 4096);

        assertThat(s.poll()).isSameAs(skb);
        s.uncharge(4096);
        assertThat(s.tryQueue(skb)).isTrue();
        assertThat(s.queued()).isEqualTo(3);
    }

    @Test
    void anEmptySocket_admitsOneSkbLargerThanItsBuffer() {
        Socket s = new Socket(4096, 4096);
        Skb big = new Skb(4);
        big.truesize = 4 * 4096;
        assertThat(s.tryQueue(big)).isTrue();
        assertThat(s.tryQueue(big)).isFalse();
        assertThatThrownBy(() -> new Socket(0, 4096)).hasMessageContaining("rcvbuf 0");
    }
}
