// Watches what the guest prints (serial console and debug console) for the headless exit rules:
// --expect TEXT ends the run with status 0, --fail-on TEXT with status 1.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace vmi86 {

class OutputWatch {
public:
    void expect(std::string text) {
        if (!text.empty()) expect_.push_back(std::move(text));
    }
    void fail_on(std::string text) {
        if (!text.empty()) fail_.push_back(std::move(text));
    }
    bool active() const { return !expect_.empty() || !fail_.empty(); }

    // Feeds guest output; the first pattern seen decides.
    void feed(char c) {
        if (!active() || verdict_) return;
        tail_.push_back(c);
        for (const auto& f : fail_)
            if (ends_with(f)) {
                verdict_ = 1;
                matched_ = f;
                return;
            }
        for (const auto& e : expect_)
            if (ends_with(e)) {
                verdict_ = 0;
                matched_ = e;
                return;
            }
        // Keep only as much as the longest pattern needs.
        if (tail_.size() > 8192) tail_.erase(0, tail_.size() - 4096);
    }
    std::optional<int> verdict() const { return verdict_; }
    const std::string& matched() const { return matched_; }

private:
    bool ends_with(const std::string& p) const {
        return tail_.size() >= p.size() && tail_.compare(tail_.size() - p.size(), p.size(), p) == 0;
    }
    std::vector<std::string> expect_, fail_;
    std::string tail_;
    std::optional<int> verdict_;
    std::string matched_;
};

} // namespace vmi86
