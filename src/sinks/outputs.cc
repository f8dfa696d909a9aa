#include "sinks/outputs.h"

#include <cerrno>
#include <cstring>

#include "common/json_writer.h"

namespace dg {
namespace {

constexpr int kScoreDecimals = 4;
constexpr int kShareDecimals = 4;

Status WriteAll(std::FILE* f, const std::string& data, const std::string& path) {
  if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status Commit(std::FILE* f, const std::string& tmp, const std::string& path) {
  const bool flushed = std::fflush(f) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!flushed || !closed) {
    std::remove(tmp.c_str());
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IoError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

std::string AccountRowJson(const AccountRow& row) {
  JsonWriter w;
  w.BeginObject();
  w.Key("account_id").String(row.account_id);
  w.Key("action").String(ActionName(row.action));
  w.Key("score").Double(row.score, kScoreDecimals);
  w.Key("campaign");
  if (row.campaign.empty()) {
    w.Null();
  } else {
    w.String(row.campaign);
  }
  w.Key("exchanges").Int(row.exchanges);
  w.Key("first_action_ts");
  if (row.first_action_ts_ms == kNoTime) {
    w.Null();
  } else {
    w.String(FormatRfc3339Ms(row.first_action_ts_ms));
  }
  w.Key("exchanges_before_action");
  if (row.exchanges_before_action < 0) {
    w.Null();
  } else {
    w.Int(row.exchanges_before_action);
  }
  w.Key("reasons").BeginArray();
  for (const auto& r : row.reasons) w.String(r);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  const Status s = WriteAll(f, content, path);
  if (!s.ok()) {
    std::fclose(f);
    std::remove(tmp.c_str());
    return s;
  }
  return Commit(f, tmp, path);
}

Status WriteAccountsJsonl(const std::vector<AccountRow>& rows, const std::string& path) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  std::string buffer;
  constexpr size_t kFlushBytes = size_t{1} << 20;
  for (const auto& row : rows) {
    buffer += AccountRowJson(row);
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes) {
      if (Status s = WriteAll(f, buffer, path); !s.ok()) {
        std::fclose(f);
        std::remove(tmp.c_str());
        return s;
      }
      buffer.clear();
    }
  }
  if (Status s = WriteAll(f, buffer, path); !s.ok()) {
    std::fclose(f);
    std::remove(tmp.c_str());
    return s;
  }
  return Commit(f, tmp, path);
}

std::string CampaignsJson(const std::vector<CampaignRow>& rows) {
  JsonWriter w;
  w.BeginObject().Key("campaigns").BeginArray();
  for (const auto& c : rows) {
    w.BeginObject();
    w.Key("id").String(c.id);
    w.Key("accounts").Int(c.accounts);
    w.Key("exchanges").Int(c.exchanges);
    w.Key("first_seen").String(FormatRfc3339Ms(c.first_seen_ms));
    w.Key("last_seen").String(FormatRfc3339Ms(c.last_seen_ms));
    w.Key("score").Double(c.score, kScoreDecimals);
    w.Key("capabilities").BeginObject();
    for (const auto& [name, share] : c.capabilities) w.Key(name).Double(share, kShareDecimals);
    w.EndObject();
    w.Key("evidence").BeginArray();
    for (const auto& e : c.evidence) w.String(e);
    w.EndArray();
    w.Key("action").String(ActionName(c.action));
    w.Key("actioned_at");
    if (c.actioned_ts_ms == kNoTime) {
      w.Null();
    } else {
      w.String(FormatRfc3339Ms(c.actioned_ts_ms));
    }
    if (c.exchanges_before_action >= 0) w.Key("exchanges_before_action").Int(c.exchanges_before_action);
    if (!c.members.empty()) {
      w.Key("members").BeginArray();
      for (const auto& m : c.members) w.String(m);
      w.EndArray();
    }
    for (const auto& [key, json] : c.extensions) w.Key(key).Raw(json);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

Status WriteCampaignsJson(const std::vector<CampaignRow>& rows, const std::string& path) {
  return WriteFileAtomically(path, CampaignsJson(rows) + "\n");
}

Result<std::unique_ptr<QuarantineFileSink>> QuarantineFileSink::Open(const std::string& path) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  return std::unique_ptr<QuarantineFileSink>(new QuarantineFileSink(path, std::move(tmp), f));
}

QuarantineFileSink::~QuarantineFileSink() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

void QuarantineFileSink::Write(const QuarantineRecord& record) {
  if (file_ == nullptr) return;
  JsonWriter w;
  w.BeginObject();
  w.Key("line").Int(static_cast<int64_t>(record.line));
  w.Key("input").String(record.input);
  w.Key("reason").String(record.reason);
  w.Key("raw").String(record.raw);
  w.EndObject();
  line_ = w.Take();
  line_.push_back('\n');
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) failed_ = true;
  ++written_;
}

Status QuarantineFileSink::Close() {
  if (file_ == nullptr) return Status::Ok();
  std::FILE* f = file_;
  file_ = nullptr;
  if (failed_) {
    std::fclose(f);
    std::remove(tmp_path_.c_str());
    return Status::IoError("cannot write " + path_);
  }
  return Commit(f, tmp_path_, path_);
}

}  // namespace dg
