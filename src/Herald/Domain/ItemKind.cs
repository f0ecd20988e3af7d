namespace Herald.Domain;

/// <summary>What is being delivered. The numeric values are persisted; never renumber.</summary>
public enum ItemKind : byte
{
    Message = 1,
    Otp = 2,
    Call = 3,
    Parcel = 4,
}

public static class ItemKinds
{
    public static readonly ItemKind[] All = [ItemKind.Message, ItemKind.Otp, ItemKind.Call, ItemKind.Parcel];

    public static string Name(ItemKind kind) => kind switch
    {
        ItemKind.Message => "message",
        ItemKind.Otp => "otp",
        ItemKind.Call => "call",
        ItemKind.Parcel => "parcel",
        _ => "unknown",
    };

    public static bool TryParse(string? value, out ItemKind kind)
    {
        switch (value)
        {
            case "message": kind = ItemKind.Message; return true;
            case "otp": kind = ItemKind.Otp; return true;
            case "call": kind = ItemKind.Call; return true;
            case "parcel": kind = ItemKind.Parcel; return true;
            default: kind = 0; return false;
        }
    }
}
