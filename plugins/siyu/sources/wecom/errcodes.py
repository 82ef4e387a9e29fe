"""WeCom's errcodes the client meets, with the meaning its global error-code page gives them.

https://developer.work.weixin.qq.com/document/path/90313 (全局错误码; the texts as the go SDK
zsmhub/workweixin decodes that page, apis/api_error.go). Errors name the code and this meaning, so an
operator knows what to fix without looking it up.
"""

from __future__ import annotations

DOC = "https://developer.work.weixin.qq.com/document/path/90313"

MEANINGS: dict[int, str] = {
    -1: "system busy (系统繁忙)",
    40001: "invalid secret (不合法的secret参数)",
    40003: "invalid userid (无效的UserID)",
    40013: "invalid corpid (不合法的CorpID)",
    40014: "invalid access_token (不合法的access_token)",
    40050: "chatid does not exist (chatid不存在)",
    40058: "invalid parameter (不合法的参数)",
    40068: "invalid tag id (不合法的标签ID)",
    40073: "invalid openid (不合法的openid)",
    40096: "invalid external userid (不合法的外部联系人userid)",
    41001: "access_token missing (缺少access_token参数)",
    41044: "invalid contact way config_id (无效的「联系我」config_id参数): deleted",
    43001: "GET required (需要GET请求)",
    43002: "POST required (需要POST请求)",
    42001: "access_token expired (access_token已过期)",
    45009: "API call frequency over the limit (接口调用超过限制)",
    45033: "API concurrent calls over the limit (接口并发调用超过限制)",
    48002: "API forbidden for this app (API接口无权限调用): the app type or its permissions do not allow it",
    60011: "no permission on the member (指定的成员/部门/标签参数无权限): outside the app's visibility",
    60020: "IP not trusted (不安全的访问IP): add the server's IP to the app's trusted IPs",
    81017: "too many visible staff: pass owner_filter (可见范围人数超过上限)",
    84061: "no external contact relation (不存在外部联系人的关联关系)",
    84074: "no customer-contact permission (没有外部联系人权限)",
    86003: "chatid does not exist (参数 chatid 不存在): dismissed",
    701008: "no interconnection licence (没有互通账号): buy and activate WeCom's interface licences",
    845003: "unionid subject does not match the corp's (unionid and corp subject not match)",
}


def meaning(errcode: int) -> str:
    return MEANINGS.get(errcode, f"see {DOC}")
