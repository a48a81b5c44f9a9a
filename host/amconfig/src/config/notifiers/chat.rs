//! Chat integrations: `slack_configs`, `discord_configs`,
//! `telegram_configs`, `webex_configs`, `wechat_configs`.

use crate::httpconfig::HttpClientConfig;
use crate::secret::{Secret, SecretFile};
use crate::url::{SecretUrl, Url};
use crate::util::{is_false, is_zero_i64, validated};
use serde::{Deserialize, Serialize};

/// One Slack integration (incoming webhook).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct SlackConfig {
    /// `send_resolved` (default false).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_url`: the webhook URL (default `global.slack_api_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<SecretUrl>,
    /// `api_url_file` (default `global.slack_api_url_file`).
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub api_url_file: SecretFile,
    /// `channel` (`#channel` or `@user`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub channel: String,
    /// `username`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// `color`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub color: String,
    /// `title`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `title_link`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title_link: String,
    /// `pretext`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pretext: String,
    /// `text`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// `fields`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<SlackField>,
    /// `short_fields`.
    pub short_fields: bool,
    /// `footer`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub footer: String,
    /// `fallback`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fallback: String,
    /// `callback_id`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub callback_id: String,
    /// `icon_emoji`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon_emoji: String,
    /// `icon_url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon_url: String,
    /// `image_url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image_url: String,
    /// `thumb_url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub thumb_url: String,
    /// `link_names`.
    pub link_names: bool,
    /// `mrkdwn_in`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mrkdwn_in: Vec<String>,
    /// `actions`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<SlackAction>,
}

impl Default for SlackConfig {
    fn default() -> Self {
        let t = |name: &str| format!(r#"{{{{ template "slack.default.{name}" . }}}}"#);
        SlackConfig {
            send_resolved: false,
            http_config: None,
            api_url: None,
            api_url_file: SecretFile::default(),
            channel: String::new(),
            username: t("username"),
            color: r#"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#.into(),
            title: t("title"),
            title_link: t("titlelink"),
            pretext: t("pretext"),
            text: t("text"),
            fields: Vec::new(),
            short_fields: false,
            footer: t("footer"),
            fallback: t("fallback"),
            callback_id: t("callbackid"),
            icon_emoji: t("iconemoji"),
            icon_url: t("iconurl"),
            image_url: String::new(),
            thumb_url: String::new(),
            link_names: false,
            mrkdwn_in: Vec::new(),
            actions: Vec::new(),
        }
    }
}

validated!(SlackConfig, |c: &mut SlackConfig| {
    if c.api_url.is_some() && !c.api_url_file.is_empty() {
        return Err("at most one of api_url & api_url_file must be configured".into());
    }
    Ok(())
});

impl SlackConfig {
    /// The webhook URL: `api_url`, else `api_url_file`'s content (trimmed,
    /// then parsed). `None` when neither is set.
    pub fn webhook_url(&self) -> Result<Option<Url>, crate::Error> {
        if let Some(u) = self.api_url.as_ref().and_then(SecretUrl::expose) {
            return Ok(Some(u.clone()));
        }
        if self.api_url_file.is_empty() {
            return Ok(None);
        }
        let text = self.api_url_file.read_trimmed()?;
        Url::parse(text.expose()).map(Some).map_err(|_| {
            crate::Error::invalid(format!(
                "invalid Slack API URL in {}",
                self.api_url_file.path()
            ))
        })
    }
}

/// A Slack `fields` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct SlackField {
    /// `title` (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `value` (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// `short`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
}

validated!(SlackField, |f: &mut SlackField| {
    if f.title.is_empty() {
        return Err("missing title in Slack field configuration".into());
    }
    if f.value.is_empty() {
        return Err("missing value in Slack field configuration".into());
    }
    Ok(())
});

/// A Slack `actions` entry (a link button with `url`, or a message action
/// with `name`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct SlackAction {
    /// `type` (required).
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub r#type: String,
    /// `text` (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// `url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// `style`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub style: String,
    /// `name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `value`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// `confirm`.
    #[serde(rename = "confirm", skip_serializing_if = "Option::is_none")]
    pub confirm: Option<SlackConfirmationField>,
}

validated!(SlackAction, |a: &mut SlackAction| {
    if a.r#type.is_empty() {
        return Err("missing type in Slack action configuration".into());
    }
    if a.text.is_empty() {
        return Err("missing text in Slack action configuration".into());
    }
    if !a.url.is_empty() {
        // A link button: message action fields are cleared.
        a.name.clear();
        a.value.clear();
        a.confirm = None;
    } else if a.name.is_empty() {
        return Err("missing name or url in Slack action configuration".into());
    }
    Ok(())
});

/// A Slack action's `confirm` dialog.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct SlackConfirmationField {
    /// `text` (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// `title`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `ok_text`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ok_text: String,
    /// `dismiss_text`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dismiss_text: String,
}

validated!(SlackConfirmationField, |c: &mut SlackConfirmationField| {
    if c.text.is_empty() {
        return Err("missing text in Slack confirmation configuration".into());
    }
    Ok(())
});

/// One Discord integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `webhook_url` (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<SecretUrl>,
    /// `title`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            send_resolved: true,
            http_config: None,
            webhook_url: None,
            title: r#"{{ template "discord.default.title" . }}"#.into(),
            message: r#"{{ template "discord.default.message" . }}"#.into(),
        }
    }
}

/// One Telegram integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_url` (default `global.telegram_api_url`).
    pub api_url: Option<Url>,
    /// `bot_token` (required).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub bot_token: Secret,
    /// `chat_id` (required).
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub chat_id: i64,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `disable_notifications`.
    #[serde(skip_serializing_if = "is_false")]
    pub disable_notifications: bool,
    /// `parse_mode`: `Markdown`, `MarkdownV2`, `HTML` (default) or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parse_mode: String,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            send_resolved: true,
            http_config: None,
            api_url: None,
            bot_token: Secret::default(),
            chat_id: 0,
            message: r#"{{ template "telegram.default.message" . }}"#.into(),
            disable_notifications: false,
            parse_mode: "HTML".into(),
        }
    }
}

validated!(TelegramConfig, |c: &mut TelegramConfig| {
    if c.bot_token.is_empty() {
        return Err("missing bot_token on telegram_config".into());
    }
    if c.chat_id == 0 {
        return Err("missing chat_id on telegram_config".into());
    }
    if !matches!(
        c.parse_mode.as_str(),
        "" | "Markdown" | "MarkdownV2" | "HTML"
    ) {
        return Err("unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string".into());
    }
    Ok(())
});

/// One Webex integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct WebexConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config`: must hold the bot token as `authorization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_url` (default `global.webex_api_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<Url>,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `room_id` (required).
    pub room_id: String,
}

impl Default for WebexConfig {
    fn default() -> Self {
        WebexConfig {
            send_resolved: true,
            http_config: None,
            api_url: None,
            message: r#"{{ template "webex.default.message" . }}"#.into(),
            room_id: String::new(),
        }
    }
}

validated!(WebexConfig, |c: &mut WebexConfig| {
    if c.room_id.is_empty() {
        return Err("missing room_id on webex_config".into());
    }
    if c.http_config
        .as_ref()
        .is_none_or(|h| h.authorization.is_none())
    {
        return Err("missing webex_configs.http_config.authorization".into());
    }
    Ok(())
});

/// One WeChat (WeCom) integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct WechatConfig {
    /// `send_resolved` (default false).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_secret` (default `global.wechat_api_secret`).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub api_secret: Secret,
    /// `corp_id` (default `global.wechat_api_corp_id`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub corp_id: String,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `api_url` (default `global.wechat_api_url`; always ends in `/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<Url>,
    /// `to_user`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to_user: String,
    /// `to_party`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to_party: String,
    /// `to_tag`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to_tag: String,
    /// `agent_id`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub agent_id: String,
    /// `message_type`: `text` (default) or `markdown`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message_type: String,
}

impl Default for WechatConfig {
    fn default() -> Self {
        let t = |name: &str| format!(r#"{{{{ template "wechat.default.{name}" . }}}}"#);
        WechatConfig {
            send_resolved: false,
            http_config: None,
            api_secret: Secret::default(),
            corp_id: String::new(),
            message: t("message"),
            api_url: None,
            to_user: t("to_user"),
            to_party: t("to_party"),
            to_tag: t("to_tag"),
            agent_id: t("agent_id"),
            message_type: String::new(),
        }
    }
}

validated!(WechatConfig, |c: &mut WechatConfig| {
    if c.message_type.is_empty() {
        c.message_type = "text".into();
    }
    if c.message_type != "text" && c.message_type != "markdown" {
        return Err(format!(
            "weChat message type {:?} does not match valid options ^(text|markdown)$",
            c.message_type
        ));
    }
    Ok(())
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_defaults_are_alertmanagers() {
        let s = SlackConfig::default();
        assert_eq!(s.title, r#"{{ template "slack.default.title" . }}"#);
        assert_eq!(
            s.callback_id,
            r#"{{ template "slack.default.callbackid" . }}"#
        );
        assert_eq!(
            WechatConfig::default().to_party,
            r#"{{ template "wechat.default.to_party" . }}"#
        );
    }
}
