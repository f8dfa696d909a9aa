// Where simulated requests come from: autonomous systems with their IP
// ranges, country and local time, and the client software (user agent plus
// TLS/SDK fingerprint) that sends them.
//
// Part of the sim module, under the traffic generators: they pick an
// AsnProfile per account or session and draw addresses from it, so that IPs,
// ASNs, ip_type, country and active hours stay consistent with each other.
// The ASNs are real numbers with plausible but made-up address blocks; the
// fingerprints are JA4-shaped strings, shared by everyone who runs the same
// client stack (as real ones are), which keeps them weak evidence alone.
//
// Thread-safety: immutable tables and pure functions; safe to share.
#ifndef DG_SIM_NETWORK_H_
#define DG_SIM_NETWORK_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ingest/event.h"
#include "sim/random.h"

namespace dg {

// IpType and IpTypeName (the ip_type vocabulary) come from ingest/event.h.

struct AsnProfile {
  int64_t asn;
  std::string_view name;     // for readers of the tables only
  std::string_view country;  // ISO 3166-1 alpha-2
  IpType ip_type;
  // Local time of the people behind it, in late April (daylight saving
  // applied), so that diurnal activity lands in the right UTC hours.
  int utc_offset_minutes;
  // Two /16 networks, as (first octet << 8 | second octet).
  uint16_t v4_slash16[2];
  // An IPv6 /32 (the first two 16-bit groups), or 0 when IPv4 only.
  uint32_t v6_slash32;
};

// ASN tables by kind of network.
std::span<const AsnProfile> ResidentialAsns();
std::span<const AsnProfile> MobileAsns();
std::span<const AsnProfile> BusinessAsns();
std::span<const AsnProfile> CloudAsns();
// Commercial VPN and proxy networks (the kind extraction campaigns rent).
std::span<const AsnProfile> VpnProxyAsns();

// The network side of one request.
struct Endpoint {
  std::string ip;
  int64_t asn = 0;
  IpType ip_type = IpType::kUnknown;
  std::string_view country;
};

std::string FormatIpv4(uint32_t address);

// A random IPv4 address in one of the profile's /16 networks.
uint32_t RandomIpv4(const AsnProfile& profile, SimRng& rng);
// A random host in a /24 given as its first three octets (prefix24 << 8 is
// the network address).
uint32_t RandomIpv4InSlash24(uint32_t prefix24, SimRng& rng);
// A random /24 inside the profile's networks, as its first three octets.
uint32_t RandomSlash24(const AsnProfile& profile, SimRng& rng);
// A random IPv6 address in the profile's /32; the profile must have one.
std::string RandomIpv6(const AsnProfile& profile, SimRng& rng);

Endpoint MakeEndpoint(const AsnProfile& profile, std::string ip);

// Client software: what `user_agent` and `client_fp` say.
struct ClientSoftware {
  std::string_view user_agent;
  std::string_view client_fp;
};

std::span<const ClientSoftware> DesktopBrowsers();
std::span<const ClientSoftware> MobileClients();
// API SDKs and HTTP libraries developers script against.
std::span<const ClientSoftware> SdkClients();
// Coding-agent CLIs and IDE extensions.
std::span<const ClientSoftware> AgentClients();
// Evaluation frameworks.
std::span<const ClientSoftware> EvalClients();
// Server-side SDKs that enterprise batch pipelines use.
std::span<const ClientSoftware> ServiceClients();

}  // namespace dg

#endif  // DG_SIM_NETWORK_H_
