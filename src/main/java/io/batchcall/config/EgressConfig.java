package io.batchcall.config;

/**
 * Where workspaces may make batchcall send traffic (trunk addresses, agent SIP URIs, media stream URLs). Link-local
 * and cloud metadata addresses are always refused; loopback and private ranges only when
 * {@code BATCHCALL_ALLOW_PRIVATE_NETWORKS=true}, for a node whose trunks and agents live on its own network (and
 * for tests, whose fakes listen on loopback).
 */
public record EgressConfig(boolean allowPrivateNetworks) {}
