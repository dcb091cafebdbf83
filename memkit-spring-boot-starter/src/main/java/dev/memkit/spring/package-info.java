/**
 * memkit for Spring Boot 3.5: add {@code memkit-spring-boot-starter} and the application gets a
 * {@code MemoryManager} configured by {@code memkit.*} properties, memkit's Micrometer meters, the actuator
 * endpoint {@code memkit} and a health indicator driven by memory pressure
 * ({@link dev.memkit.spring.MemkitAutoConfiguration}).
 *
 * @since 0.1
 */
package dev.memkit.spring;
