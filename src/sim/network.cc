#include "sim/network.h"

#include <fmt/format.h>

namespace dg {
namespace {

constexpr int kMinutesPerHour = 60;

// Offsets below are written as hours * kMinutesPerHour for readability.
constexpr int H(double hours) { return static_cast<int>(hours * kMinutesPerHour); }

constexpr uint16_t Net16(int a, int b) { return static_cast<uint16_t>(a << 8 | b); }

constexpr AsnProfile kResidential[] = {
    {7922, "Comcast", "US", IpType::kResidential, H(-4), {Net16(73, 32), Net16(98, 207)}, 0},
    {7018, "AT&T", "US", IpType::kResidential, H(-5), {Net16(99, 110), Net16(107, 200)}, 0},
    {701, "Verizon Fios", "US", IpType::kResidential, H(-4), {Net16(71, 105), Net16(108, 30)}, 0},
    {22773, "Cox", "US", IpType::kResidential, H(-7), {Net16(68, 5), Net16(70, 190)}, 0},
    {6327, "Shaw", "CA", IpType::kResidential, H(-6), {Net16(70, 64), Net16(24, 68)}, 0},
    {577, "Bell Canada", "CA", IpType::kResidential, H(-4), {Net16(69, 156), Net16(142, 114)}, 0},
    {2856, "BT", "GB", IpType::kResidential, H(1), {Net16(86, 128), Net16(81, 156)}, 0},
    {5089, "Virgin Media", "GB", IpType::kResidential, H(1), {Net16(82, 20), Net16(86, 24)}, 0},
    {3320, "Deutsche Telekom", "DE", IpType::kResidential, H(2), {Net16(79, 192), Net16(87, 150)}, 0},
    {3215, "Orange", "FR", IpType::kResidential, H(2), {Net16(90, 27), Net16(92, 150)}, 0},
    {3352, "Telefonica", "ES", IpType::kResidential, H(2), {Net16(83, 32), Net16(88, 6)}, 0},
    {1136, "KPN", "NL", IpType::kResidential, H(2), {Net16(77, 160), Net16(145, 128)}, 0},
    {12389, "Rostelecom", "RU", IpType::kResidential, H(3), {Net16(95, 24), Net16(109, 252)}, 0},
    {4766, "Korea Telecom", "KR", IpType::kResidential, H(9), {Net16(121, 128), Net16(175, 192)}, 0},
    {17676, "SoftBank", "JP", IpType::kResidential, H(9), {Net16(126, 0), Net16(219, 100)}, 0},
    {2516, "KDDI", "JP", IpType::kResidential, H(9), {Net16(106, 128), Net16(111, 86)}, 0},
    {1221, "Telstra", "AU", IpType::kResidential, H(10), {Net16(101, 160), Net16(120, 148)}, 0},
    {28573, "Claro", "BR", IpType::kResidential, H(-3), {Net16(177, 32), Net16(189, 100)}, 0},
    {9498, "Bharti Airtel", "IN", IpType::kResidential, H(5.5), {Net16(122, 160), Net16(182, 64)}, 0},
    {8151, "Telmex", "MX", IpType::kResidential, H(-6), {Net16(187, 140), Net16(189, 200)}, 0},
    {7303, "Telecom Argentina", "AR", IpType::kResidential, H(-3), {Net16(181, 44), Net16(186, 136)}, 0},
};

constexpr AsnProfile kMobile[] = {
    {21928, "T-Mobile US", "US", IpType::kMobile, H(-5), {Net16(172, 56), Net16(172, 58)}, 0x2607fb90},
    {22394, "Verizon Wireless", "US", IpType::kMobile, H(-4), {Net16(174, 192), Net16(174, 224)}, 0x26001000},
    {20057, "AT&T Mobility", "US", IpType::kMobile, H(-7), {Net16(166, 170), Net16(107, 77)}, 0x26000380},
    {55836, "Reliance Jio", "IN", IpType::kMobile, H(5.5), {Net16(49, 32), Net16(157, 32)}, 0x24094000},
    {3209, "Vodafone DE", "DE", IpType::kMobile, H(2), {Net16(94, 134), Net16(109, 40)}, 0x2a0a0a00},
    {12430, "Vodafone ES", "ES", IpType::kMobile, H(2), {Net16(46, 6), Net16(213, 94)}, 0},
    {25135, "Vodafone UK", "GB", IpType::kMobile, H(1), {Net16(85, 255), Net16(212, 183)}, 0x2a010b00},
    {10139, "Smart", "PH", IpType::kMobile, H(8), {Net16(112, 198), Net16(175, 176)}, 0},
    {26599, "Vivo", "BR", IpType::kMobile, H(-3), {Net16(177, 79), Net16(191, 9)}, 0x28040014},
};

constexpr AsnProfile kBusiness[] = {
    {3356, "Lumen", "US", IpType::kBusiness, H(-5), {Net16(4, 14), Net16(8, 40)}, 0},
    {174, "Cogent", "US", IpType::kBusiness, H(-4), {Net16(38, 100), Net16(154, 16)}, 0},
    {6939, "Hurricane Electric", "US", IpType::kBusiness, H(-7), {Net16(64, 62), Net16(216, 218)}, 0},
    {2152, "CENIC (universities)", "US", IpType::kBusiness, H(-7), {Net16(128, 32), Net16(169, 229)}, 0},
    {3257, "GTT", "DE", IpType::kBusiness, H(2), {Net16(89, 149), Net16(213, 200)}, 0},
    {8220, "Colt", "GB", IpType::kBusiness, H(1), {Net16(212, 36), Net16(213, 86)}, 0},
    {786, "Jisc (universities)", "GB", IpType::kBusiness, H(1), {Net16(128, 86), Net16(131, 111)}, 0},
    {2500, "WIDE", "JP", IpType::kBusiness, H(9), {Net16(133, 11), Net16(203, 178)}, 0},
    {9318, "SK Broadband", "KR", IpType::kBusiness, H(9), {Net16(1, 208), Net16(211, 36)}, 0},
};

constexpr AsnProfile kCloud[] = {
    {16509, "Amazon us-east", "US", IpType::kHosting, H(-4), {Net16(3, 80), Net16(52, 14)}, 0},
    {16509, "Amazon eu-west", "IE", IpType::kHosting, H(1), {Net16(34, 240), Net16(54, 170)}, 0},
    {15169, "Google", "US", IpType::kHosting, H(-5), {Net16(34, 16), Net16(35, 184)}, 0},
    {396982, "Google Cloud", "NL", IpType::kHosting, H(2), {Net16(34, 90), Net16(35, 204)}, 0},
    {8075, "Microsoft", "US", IpType::kHosting, H(-4), {Net16(20, 42), Net16(40, 76)}, 0},
    {8075, "Microsoft", "NL", IpType::kHosting, H(2), {Net16(20, 73), Net16(52, 136)}, 0},
    {14061, "DigitalOcean", "US", IpType::kHosting, H(-4), {Net16(104, 131), Net16(159, 203)}, 0},
    {24940, "Hetzner", "DE", IpType::kHosting, H(2), {Net16(88, 198), Net16(95, 216)}, 0},
    {16276, "OVH", "FR", IpType::kHosting, H(2), {Net16(51, 68), Net16(145, 239)}, 0},
};

constexpr AsnProfile kVpnProxy[] = {
    {9009, "M247", "US", IpType::kVpn, H(-4), {Net16(37, 120), Net16(185, 156)}, 0},
    {9009, "M247", "NL", IpType::kVpn, H(2), {Net16(89, 46), Net16(185, 107)}, 0},
    {212238, "Datacamp", "DE", IpType::kProxy, H(2), {Net16(84, 17), Net16(143, 244)}, 0},
    {60068, "Datacamp", "GB", IpType::kProxy, H(1), {Net16(185, 59), Net16(195, 181)}, 0},
    {14061, "DigitalOcean", "SG", IpType::kHosting, H(8), {Net16(128, 199), Net16(159, 89)}, 0},
};

// JA4-shaped fingerprints; one per client stack.
constexpr std::string_view kFpChrome = "t13d1516h2_8daaf6152771_02713d6af862";
constexpr std::string_view kFpFirefox = "t13d1715h2_5b57614c22b0_3d5424432f57";
constexpr std::string_view kFpSafari = "t13d2014h2_a09f3c656075_14788d8d241b";
constexpr std::string_view kFpIosApp = "t13d2013h2_a09f3c656075_7f0f34a4126d";
constexpr std::string_view kFpAndroidApp = "t13d1715h2_5b57614c22b0_7121afd63204";
constexpr std::string_view kFpElectron = "t13d1516h2_8daaf6152771_e5627efa2ab1";
constexpr std::string_view kFpPythonOpenssl3 = "t13d1812h1_85036bcba153_b0d3b4ac2a14";
constexpr std::string_view kFpPythonOpenssl11 = "t13d1811h1_85036bcba153_2d8c1f3b7e90";
constexpr std::string_view kFpNode = "t13d5911h1_a33745022dd6_1f22a2ca17c4";
constexpr std::string_view kFpGo = "t13d1311h2_f57a46bbacb6_e7c285222651";
constexpr std::string_view kFpCurl = "t13d3112h2_e8f1e7e78f70_6bebaf5329ac";
constexpr std::string_view kFpJava = "t13d4312h2_76e208dd3e22_7ac1d9c2e6a1";

constexpr ClientSoftware kDesktopBrowsers[] = {
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/135.0.0.0 Safari/537.36",
     kFpChrome},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/134.0.0.0 Safari/537.36",
     kFpChrome},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/135.0.0.0 Safari/537.36",
     kFpChrome},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/135.0.0.0 Safari/537.36 Edg/135.0.0.0",
     kFpChrome},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:137.0) Gecko/20100101 Firefox/137.0", kFpFirefox},
    {"Mozilla/5.0 (X11; Linux x86_64; rv:137.0) Gecko/20100101 Firefox/137.0", kFpFirefox},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.4 Safari/605.1.15",
     kFpSafari},
};

constexpr ClientSoftware kMobileClients[] = {
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/18.4 Mobile/15E148 Safari/604.1",
     kFpSafari},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/135.0.0.0 Mobile Safari/537.36",
     kFpChrome},
    {"AssistantApp/2.14.1 (iPhone; iOS 18.4; Scale/3.00)", kFpIosApp},
    {"AssistantApp/2.13.0 (iPhone; iOS 17.6; Scale/2.00)", kFpIosApp},
    {"AssistantApp/2.14.0 (Android 15; Pixel 8)", kFpAndroidApp},
    {"AssistantApp/2.14.0 (Android 14; SM-S921B)", kFpAndroidApp},
};

constexpr ClientSoftware kSdkClients[] = {
    {"anthropic-python/0.49.0", kFpPythonOpenssl3},
    {"anthropic-python/0.51.0", kFpPythonOpenssl3},
    {"anthropic-python/0.45.2", kFpPythonOpenssl11},
    {"openai-python/1.75.0", kFpPythonOpenssl3},
    {"openai-python/1.68.2", kFpPythonOpenssl11},
    {"anthropic-typescript/0.39.0", kFpNode},
    {"openai-node/4.95.1", kFpNode},
    {"openai-node/4.87.3", kFpNode},
    {"anthropic-sdk-go/0.2.0-beta.3", kFpGo},
    {"curl/8.5.0", kFpCurl},
};

constexpr ClientSoftware kAgentClients[] = {
    {"code-agent/1.0.98 (external, cli) node/22.14.0", kFpNode},
    {"code-agent/1.0.96 (external, cli) node/20.18.1", kFpNode},
    {"aider/0.82.3 litellm/1.67.0", kFpPythonOpenssl3},
    {"vscode-agent/3.14.1 (VS Code 1.99.3; darwin arm64)", kFpElectron},
};

constexpr ClientSoftware kEvalClients[] = {
    {"lm-eval/0.4.8 anthropic-python/0.49.0", kFpPythonOpenssl3},
    {"inspect_ai/0.3.93 anthropic-python/0.51.0", kFpPythonOpenssl3},
    {"helm/0.5.4 python-requests/2.32.3", kFpPythonOpenssl11},
    {"bigcode-evaluation-harness/0.1 openai-python/1.75.0", kFpPythonOpenssl3},
};

constexpr ClientSoftware kServiceClients[] = {
    {"anthropic-java/1.2.0", kFpJava},
    {"anthropic-python/0.51.0", kFpPythonOpenssl3},
    {"anthropic-sdk-go/0.2.0-beta.3", kFpGo},
    {"anthropic-typescript/0.39.0", kFpNode},
};

constexpr int kOctetBits = 8;
constexpr uint32_t kOctetMask = 0xFF;
constexpr int kGroupBits = 16;
constexpr int64_t kMaxGroup = 0xFFFF;
// Host octets 0 and 255 are network and broadcast addresses in a /24.
constexpr int64_t kFirstHost = 1;
constexpr int64_t kLastHost = 254;
constexpr int64_t kMaxOctet = 255;

}  // namespace

std::span<const AsnProfile> ResidentialAsns() { return kResidential; }
std::span<const AsnProfile> MobileAsns() { return kMobile; }
std::span<const AsnProfile> BusinessAsns() { return kBusiness; }
std::span<const AsnProfile> CloudAsns() { return kCloud; }
std::span<const AsnProfile> VpnProxyAsns() { return kVpnProxy; }

std::span<const ClientSoftware> DesktopBrowsers() { return kDesktopBrowsers; }
std::span<const ClientSoftware> MobileClients() { return kMobileClients; }
std::span<const ClientSoftware> SdkClients() { return kSdkClients; }
std::span<const ClientSoftware> AgentClients() { return kAgentClients; }
std::span<const ClientSoftware> EvalClients() { return kEvalClients; }
std::span<const ClientSoftware> ServiceClients() { return kServiceClients; }

std::string FormatIpv4(uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> (3 * kOctetBits), (address >> (2 * kOctetBits)) & kOctetMask,
                     (address >> kOctetBits) & kOctetMask, address & kOctetMask);
}

uint32_t RandomSlash24(const AsnProfile& profile, SimRng& rng) {
  const uint32_t net16 = rng.Pick(profile.v4_slash16);
  return net16 << kOctetBits | static_cast<uint32_t>(rng.UniformInt(0, kMaxOctet));
}

uint32_t RandomIpv4InSlash24(uint32_t prefix24, SimRng& rng) {
  return prefix24 << kOctetBits | static_cast<uint32_t>(rng.UniformInt(kFirstHost, kLastHost));
}

uint32_t RandomIpv4(const AsnProfile& profile, SimRng& rng) {
  return RandomIpv4InSlash24(RandomSlash24(profile, rng), rng);
}

std::string RandomIpv6(const AsnProfile& profile, SimRng& rng) {
  DG_CHECK(profile.v6_slash32 != 0);
  // A /64 per subscriber with a random interface id, as carriers hand out.
  // Drawn into an array first: the evaluation order of function arguments is
  // unspecified, and the output must not depend on the compiler.
  constexpr int kRandomGroups = 6;
  int64_t groups[kRandomGroups];
  for (int64_t& group : groups) group = rng.UniformInt(0, kMaxGroup);
  return fmt::format("{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}", profile.v6_slash32 >> kGroupBits,
                     profile.v6_slash32 & kMaxGroup, groups[0], groups[1], groups[2], groups[3], groups[4], groups[5]);
}

Endpoint MakeEndpoint(const AsnProfile& profile, std::string ip) {
  return Endpoint{std::move(ip), profile.asn, profile.ip_type, profile.country};
}

}  // namespace dg
