package dev.memkit.bench;

import dev.memkit.offheap.LongLongMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import net.openhft.chronicle.map.ChronicleMap;
import org.caffinitas.ohc.CacheSerializer;
import org.caffinitas.ohc.OHCache;
import org.caffinitas.ohc.OHCacheBuilder;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/** One interface over every long → long map the map benchmarks compare, each with its defaults. */
abstract class LongMaps {
    abstract void put(long k, long v);

    abstract long get(long k);

    void close() {
    }

    static LongMaps create(String name, int entries) {
        return switch (name) {
            case "memkit" -> new Memkit(true);
            case "memkit-single" -> new Memkit(false);
            case "hashmap" -> new Boxed(new HashMap<>());
            case "fastutil" -> new Fastutil();
            case "ohc" -> new Ohc();
            case "chronicle" -> new Chronicle(entries);
            default -> throw new IllegalArgumentException("unknown map " + name);
        };
    }

    static final class Memkit extends LongMaps {
        private final LongLongMap map;

        Memkit(boolean concurrent) {
            map = LongLongMap.builder().concurrent(concurrent).build();
        }

        @Override
        void put(long k, long v) {
            map.put(k, v);
        }

        @Override
        long get(long k) {
            return map.getOrDefault(k, 0);
        }

        @Override
        void close() {
            map.close();
        }
    }

    static final class Boxed extends LongMaps {
        private final Map<Long, Long> map;

        Boxed(Map<Long, Long> map) {
            this.map = map;
        }

        @Override
        void put(long k, long v) {
            map.put(k, v);
        }

        @Override
        long get(long k) {
            Long v = map.get(k);
            return v == null ? 0 : v;
        }
    }

    static final class Fastutil extends LongMaps {
        private final Long2LongOpenHashMap map = new Long2LongOpenHashMap();

        @Override
        void put(long k, long v) {
            map.put(k, v);
        }

        @Override
        long get(long k) {
            return map.get(k);
        }
    }

    static final class Ohc extends LongMaps {
        private static final CacheSerializer<Long> LONGS = new CacheSerializer<>() {
            @Override
            public void serialize(Long value, ByteBuffer buf) {
                buf.putLong(value);
            }

            @Override
            public Long deserialize(ByteBuffer buf) {
                return buf.getLong();
            }

            @Override
            public int serializedSize(Long value) {
                return 8;
            }
        };
        private final OHCache<Long, Long> map = OHCacheBuilder.<Long, Long>newBuilder().keySerializer(LONGS)
                .valueSerializer(LONGS).capacity(1L << 30).build();

        @Override
        void put(long k, long v) {
            map.put(k, v);
        }

        @Override
        long get(long k) {
            Long v = map.get(k);
            return v == null ? 0 : v;
        }

        @Override
        void close() {
            try {
                map.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static final class Chronicle extends LongMaps {
        private final ChronicleMap<Long, Long> map;

        Chronicle(int entries) {
            map = ChronicleMap.of(Long.class, Long.class).name("bench").entries(entries + entries / 4).create();
        }

        @Override
        void put(long k, long v) {
            map.put(k, v);
        }

        @Override
        long get(long k) {
            Long v = map.get(k);
            return v == null ? 0 : v;
        }

        @Override
        void close() {
            map.close();
        }
    }
}
