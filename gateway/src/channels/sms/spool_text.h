// Private to the SMS room: a planned text as smstools3 takes it in a spool file.
#pragma once

#include <string>

#include "taifeng/gateway/sms.h"

namespace taifeng::gateway {

struct SpoolText {
  std::string alphabet;  // smstools3's "Alphabet:" header: "ISO" (GSM-7 texts, ISO-8859-15) or "UCS2"
  std::string body;      // the text's bytes in that alphabet (UCS2: UTF-16 big-endian)
};
SpoolText EncodeForSpool(const SmsPlan& plan);

}  // namespace taifeng::gateway
